// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using PainStream.Core.Options;

namespace PainStream.Alerts.Mqtt;

/// <summary>What a client of the embedded broker may do.</summary>
internal enum BrokerRole
{
    /// <summary>Not logged in (accepted on loopback only, without a password file): reads, and sends nurse commands.</summary>
    Anonymous,

    /// <summary>A user without a role: reads only.</summary>
    Reader,

    /// <summary>Acknowledge and snooze (and any other command topic under a bed, which is answered with an error).</summary>
    Nurse,

    /// <summary>Nurse commands and baseline reset.</summary>
    Integrator,

    /// <summary>PainStream's own client: the only one that publishes the output topics.</summary>
    Daemon,
}

/// <summary>
/// The users of a Mosquitto <c>password_file</c> (<c>user:$7$iterations$salt$hash</c>, PBKDF2-HMAC-SHA512 as
/// <c>mosquitto_passwd</c> writes it), so one file serves Mosquitto and the embedded broker. Immutable and thread-safe.
/// </summary>
internal sealed class PasswordFile
{
    private const int HashBytes = 64;
    private readonly Dictionary<string, (int Iterations, byte[] Salt, byte[] Hash)> _users;

    private PasswordFile(Dictionary<string, (int, byte[], byte[])> users) => _users = users;

    /// <summary>Gets the user names.</summary>
    public IEnumerable<string> Users => _users.Keys;

    /// <summary>Reads a password file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The users.</returns>
    /// <exception cref="InvalidDataException">A line is not <c>user:$7$…</c>; the message names the file and line (never the hash).</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static PasswordFile Load(string path)
    {
        var users = new Dictionary<string, (int, byte[], byte[])>(StringComparer.Ordinal);
        var number = 0;
        foreach (var raw in File.ReadLines(path))
        {
            number++;
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var parts = colon > 0 ? line[(colon + 1)..].Split('$') : [];
            if (parts is not [ "", "7", var iterations, var salt, var hash ]
                || !int.TryParse(iterations, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count < 1
                || !TryBase64(salt, out var saltBytes) || !TryBase64(hash, out var hashBytes) || hashBytes.Length != HashBytes)
            {
                throw new InvalidDataException(
                    $"{path}, line {number}: expected 'user:$7$iterations$salt$hash' (a PBKDF2-SHA512 entry as mosquitto_passwd writes it; plaintext passwords and other hash kinds are not accepted)");
            }

            if (!users.TryAdd(line[..colon], (count, saltBytes, hashBytes)))
            {
                throw new InvalidDataException($"{path}, line {number}: user '{line[..colon]}' appears twice");
            }
        }

        return new PasswordFile(users);
    }

    /// <summary>Makes an entry as <c>mosquitto_passwd</c> does (for tests and tooling).</summary>
    /// <param name="user">The user.</param>
    /// <param name="password">The password.</param>
    /// <param name="iterations">The PBKDF2 iterations (mosquitto's default is 101).</param>
    /// <returns>The line.</returns>
    public static string Entry(string user, string password, int iterations = 101)
    {
        var salt = RandomNumberGenerator.GetBytes(12);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA512, HashBytes);
        return string.Create(CultureInfo.InvariantCulture, $"{user}:$7${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}");
    }

    /// <summary>Checks a user's password in constant time (an unknown user costs the same as a wrong password).</summary>
    /// <param name="user">The user name.</param>
    /// <param name="password">The password as sent (UTF-8).</param>
    /// <returns>Whether it matches.</returns>
    public bool Verify(string? user, ReadOnlySpan<byte> password)
    {
        var known = user is not null && _users.TryGetValue(user, out var entry) ? entry : default;
        var (iterations, salt, hash) = known.Item2 is null ? (101, new byte[12], new byte[HashBytes]) : known;
        var actual = Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, HashAlgorithmName.SHA512, HashBytes);
        return CryptographicOperations.FixedTimeEquals(actual, hash) && known.Item2 is not null;
    }

    private static bool TryBase64(string text, out byte[] bytes)
    {
        bytes = new byte[text.Length];
        if (Convert.TryFromBase64String(text, bytes, out var written) && written > 0)
        {
            bytes = bytes[..written];
            return true;
        }

        return false;
    }
}

/// <summary>
/// The embedded broker's rules: who may connect (password file, roles, anonymous on loopback only) and who may publish
/// where (only PainStream publishes its output topics; commands need the nurse or integrator role, baseline reset the
/// integrator role). Pure and thread-safe.
/// </summary>
internal sealed class BrokerSecurity
{
    /// <summary>The MQTT 5 user property that names the authenticated sender of a command (set by the broker, never trusted from a client).</summary>
    public const string UserProperty = "painstream-user";

    private static readonly HashSet<string> OutputLevels = new(StringComparer.Ordinal) { "alert", "score", "reply", "status", "faces", "available", "stats", "alerts" };

    private readonly MqttTopics _topics;
    private readonly PasswordFile? _passwords;
    private readonly Dictionary<string, BrokerRole> _roles = new(StringComparer.Ordinal);
    private readonly byte[] _daemonSecret;
    private readonly string _daemonUser;

    /// <summary>Initializes a new instance of the <see cref="BrokerSecurity"/> class.</summary>
    /// <param name="options">The <c>Mqtt</c> section.</param>
    /// <param name="daemon">The login of PainStream's own client (its password made per process, never stored).</param>
    /// <param name="passwords">The users, or <see langword="null"/> when <see cref="MqttOptions.PasswordFile"/> is empty.</param>
    /// <param name="anonymous">Whether clients that send no user name are accepted (loopback only).</param>
    public BrokerSecurity(MqttOptions options, EmbeddedBrokerLogin daemon, PasswordFile? passwords, bool anonymous)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(daemon);
        _topics = MqttTopics.For(options.TopicPrefix);
        _passwords = passwords;
        _daemonSecret = Encoding.UTF8.GetBytes(daemon.Password);
        _daemonUser = daemon.ClientId;
        DaemonClientId = options.ClientId;
        foreach (var name in Split(options.Nurses))
        {
            _roles[name] = BrokerRole.Nurse;
        }

        foreach (var name in Split(options.Integrators))
        {
            _roles[name] = BrokerRole.Integrator;
        }

        RequiresLogin = !anonymous;
    }

    /// <summary>Gets PainStream's own client id.</summary>
    public string DaemonClientId { get; }

    /// <summary>Gets a value indicating whether every client must log in (no anonymous clients).</summary>
    public bool RequiresLogin { get; }

    /// <summary>Whether an address is loopback (where anonymous clients may be accepted).</summary>
    /// <param name="address">The configured address.</param>
    /// <returns><see langword="true"/> for 127.0.0.0/8, ::1 and <c>localhost</c>.</returns>
    public static bool IsLoopback(string address) =>
        string.Equals(address, "localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(address, out var ip) && IPAddress.IsLoopback(ip));

    /// <summary>Decides a connection.</summary>
    /// <param name="clientId">The client id (possibly assigned).</param>
    /// <param name="user">The user name sent, or <see langword="null"/>.</param>
    /// <param name="password">The password sent.</param>
    /// <param name="role">The client's role when accepted.</param>
    /// <returns><see langword="null"/> when accepted, else why not (for the log; the client only learns "not authorized").</returns>
    public string? Authenticate(string clientId, string? user, ReadOnlySpan<byte> password, out BrokerRole role)
    {
        role = BrokerRole.Anonymous;
        if (string.Equals(user, _daemonUser, StringComparison.Ordinal) && CryptographicOperations.FixedTimeEquals(password, _daemonSecret))
        {
            role = BrokerRole.Daemon;
            return null;
        }

        if (string.Equals(clientId, DaemonClientId, StringComparison.Ordinal) || string.Equals(user, _daemonUser, StringComparison.Ordinal))
        {
            // PainStream's id and name are reserved: taking them over would take over the output topics (and kick it off).
            return "the client id or user name is reserved for PainStream";
        }

        if (string.IsNullOrEmpty(user))
        {
            return RequiresLogin ? "no user name (anonymous clients are accepted only on loopback with Mqtt:AnonymousOnLoopback)" : null;
        }

        if (_passwords is null)
        {
            return "user '" + user + "' cannot log in: no Mqtt:PasswordFile is configured";
        }

        if (!_passwords.Verify(user, password))
        {
            return "wrong user name or password for '" + user + "'";
        }

        role = _roles.GetValueOrDefault(user, BrokerRole.Reader);
        return null;
    }

    /// <summary>Decides a publish.</summary>
    /// <param name="role">The sender's role.</param>
    /// <param name="topic">The topic.</param>
    /// <returns><see langword="null"/> when allowed, else why not.</returns>
    public string? CanPublish(BrokerRole role, string topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        if (role == BrokerRole.Daemon)
        {
            return null;
        }

        var root = _topics.Prefix + "/";
        if (!topic.StartsWith(root, StringComparison.Ordinal))
        {
            // Not PainStream's: the embedded broker is a plain broker there.
            return null;
        }

        var levels = topic[root.Length..].Split('/');
        if (levels.Length < 3 || OutputLevels.Contains(levels[2]))
        {
            return "only PainStream publishes under " + _topics.Prefix + "/ (its output topics)";
        }

        // A command topic under a bed (unknown ones too: PainStream answers those with an error).
        var needsIntegrator = string.Equals(levels[2], "baseline", StringComparison.Ordinal);
        return role switch
        {
            BrokerRole.Integrator => null,
            BrokerRole.Nurse or BrokerRole.Anonymous when !needsIntegrator => null,
            BrokerRole.Reader => "the user has no role that may send commands (nurse or integrator)",
            _ => "baseline reset needs the integrator role",
        };
    }

    /// <summary>The identity recorded for a command's sender.</summary>
    /// <param name="role">The role.</param>
    /// <param name="user">The user name.</param>
    /// <param name="clientId">The client id.</param>
    /// <returns>The user name, or <c>anonymous:&lt;client id&gt;</c>.</returns>
    public static string Identity(BrokerRole role, string? user, string clientId) =>
        role == BrokerRole.Anonymous || string.IsNullOrEmpty(user) ? "anonymous:" + clientId : user;

    private static string[] Split(string names) =>
        names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>
/// The login of PainStream's own client at the embedded broker: its client id and a random password made per process
/// (never stored, never logged), so no other client can publish as PainStream.
/// </summary>
/// <param name="ClientId">The client id (<c>Mqtt:ClientId</c>), also the user name.</param>
/// <param name="Password">The per-process password.</param>
public sealed record EmbeddedBrokerLogin(string ClientId, string Password)
{
    /// <summary>Makes a fresh login for <paramref name="clientId"/>.</summary>
    /// <param name="clientId">The client id.</param>
    /// <returns>The login.</returns>
    public static EmbeddedBrokerLogin Create(string clientId) => new(clientId, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));

    /// <inheritdoc/>
    public override string ToString() => "EmbeddedBrokerLogin { ClientId = " + ClientId + " }";
}
