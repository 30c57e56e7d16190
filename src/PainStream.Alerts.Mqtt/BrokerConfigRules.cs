// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PainStream.Core.Options;

namespace PainStream.Alerts.Mqtt;

/// <summary>
/// The <c>Mqtt</c> section's broker rules and file loaders, shared by the embedded broker and the publisher (which apply
/// them when they start) and by the configuration checks (start-up, reload, <c>painstream check-config</c>), so the
/// daemon and <c>check-config</c> can never disagree. Every problem starts with its key path.
/// </summary>
public static class BrokerConfigRules
{
    private const string Section = MqttOptions.SectionName;

    /// <summary>Gets a value indicating whether <paramref name="options"/> start the embedded broker (<c>Mqtt:Host</c> empty).</summary>
    /// <param name="options">The <c>Mqtt</c> section.</param>
    /// <returns><see langword="true"/> for the embedded broker.</returns>
    public static bool UsesEmbeddedBroker(MqttOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return string.IsNullOrWhiteSpace(options.Host);
    }

    /// <summary>
    /// The settings the embedded broker refuses to start with: an address that is not IPv4, an address beyond loopback
    /// without <c>Mqtt:PasswordFile</c> (anyone on the network could otherwise command the beds), a TLS port without its
    /// certificate or key. Files are not opened (see <see cref="CheckFiles"/>).
    /// </summary>
    /// <param name="options">The <c>Mqtt</c> section.</param>
    /// <returns>One line per problem, <c>Mqtt:Key: reason</c>; empty with an external broker.</returns>
    public static IReadOnlyList<string> Check(MqttOptions options)
    {
        var problems = new List<string>();
        if (!UsesEmbeddedBroker(options))
        {
            return problems;
        }

        if (!TryParseAddress(options.EmbeddedAddress, out var address))
        {
            problems.Add($"{Section}:EmbeddedAddress: '{options.EmbeddedAddress}' is not an IPv4 address (e.g. 127.0.0.1 or 0.0.0.0)");
        }
        else if (!IPAddress.IsLoopback(address) && string.IsNullOrWhiteSpace(options.PasswordFile))
        {
            problems.Add($"{Section}:EmbeddedAddress: {options.EmbeddedAddress} is beyond loopback: set {Section}:PasswordFile (users that must log in), or listen on 127.0.0.1");
        }

        if (options.EmbeddedTlsPort > 0)
        {
            problems.AddRange(MissingTlsFiles(options));
        }

        return problems;
    }

    /// <summary>
    /// Opens every file the broker settings name and the daemon would use (the embedded broker's password file and TLS
    /// certificate and key; with TLS to an external broker, its CA file and client certificate and key), as they are
    /// loaded at start. For <c>check-config</c>: the daemon itself fails at start on the first of them.
    /// </summary>
    /// <param name="options">The <c>Mqtt</c> section (after <see cref="Check"/> found nothing).</param>
    /// <returns>One line per problem, <c>Mqtt:Key: path: reason</c>.</returns>
    public static IReadOnlyList<string> CheckFiles(MqttOptions options)
    {
        var problems = new List<string>();
        if (UsesEmbeddedBroker(options))
        {
            if (!string.IsNullOrWhiteSpace(options.PasswordFile))
            {
                Try(problems, () => LoadPasswords(options.PasswordFile));
            }

            if (options.EmbeddedTlsPort > 0 && !string.IsNullOrWhiteSpace(options.TlsCertificateFile) && !string.IsNullOrWhiteSpace(options.TlsKeyFile)
                && Readable(problems, ("TlsCertificateFile", options.TlsCertificateFile), ("TlsKeyFile", options.TlsKeyFile)))
            {
                Try(problems, () => LoadServerCertificate(options).Dispose());
            }
        }
        else if (options.UseTls)
        {
            Try(problems, () => LoadCa(options));
            if (!string.IsNullOrWhiteSpace(options.ClientCertificateFile)
                && Readable(problems, ("ClientCertificateFile", options.ClientCertificateFile), ("ClientKeyFile", options.ClientKeyFile)))
            {
                Try(problems, () => LoadClientCertificate(options)?.Dispose());
            }
        }

        return problems;
    }

    /// <summary>
    /// Warnings about roles that cannot take effect: names in <c>Mqtt:Nurses</c> or <c>Mqtt:Integrators</c> that the
    /// embedded broker's password file does not contain (or no password file at all), so nobody can log in as them.
    /// </summary>
    /// <param name="options">The <c>Mqtt</c> section.</param>
    /// <returns>One line per warning, starting with its key path; empty with an external broker or an unreadable file (a problem of <see cref="CheckFiles"/>).</returns>
    public static IReadOnlyList<string> Warnings(MqttOptions options)
    {
        var warnings = new List<string>();
        if (!UsesEmbeddedBroker(options))
        {
            return warnings;
        }

        HashSet<string>? users = null;
        if (!string.IsNullOrWhiteSpace(options.PasswordFile))
        {
            try
            {
                users = [.. PasswordFile.Load(options.PasswordFile).Users];
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                return warnings;
            }
        }

        foreach (var (key, names) in new[] { ("Nurses", options.Nurses), ("Integrators", options.Integrators) })
        {
            var missing = names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(name => users is null || !users.Contains(name))
                .ToList();
            if (missing.Count == 0)
            {
                continue;
            }

            var list = string.Join(", ", missing.Select(n => "'" + n + "'"));
            warnings.Add(users is null
                ? $"{Section}:{key}: names {list} but {Section}:PasswordFile is empty: nobody can log in with that role"
                : $"{Section}:{key}: {list} {(missing.Count == 1 ? "is" : "are")} not in {Section}:PasswordFile ({options.PasswordFile}): nobody can log in as {(missing.Count == 1 ? "that user" : "them")}");
        }

        return warnings;
    }

    /// <summary>Parses <c>Mqtt:EmbeddedAddress</c>.</summary>
    /// <param name="address">The configured address.</param>
    /// <returns>The IPv4 address (<c>localhost</c> is 127.0.0.1).</returns>
    /// <exception cref="InvalidOperationException">Not an IPv4 address; the message names the key.</exception>
    internal static IPAddress ParseEmbeddedAddress(string address) =>
        TryParseAddress(address, out var ip) ? ip : throw new InvalidOperationException($"{Section}:EmbeddedAddress: '{address}' is not an IPv4 address (e.g. 127.0.0.1 or 0.0.0.0)");

    /// <summary>Throws the first problem of <see cref="Check"/>, if any.</summary>
    /// <param name="options">The <c>Mqtt</c> section.</param>
    /// <exception cref="InvalidOperationException">The embedded broker must not start; the message names the key.</exception>
    internal static void ThrowIfInvalid(MqttOptions options)
    {
        if (Check(options) is [var first, ..])
        {
            throw new InvalidOperationException(first);
        }
    }

    /// <summary>Loads <c>Mqtt:PasswordFile</c>.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The users.</returns>
    /// <exception cref="InvalidOperationException">Missing, unreadable or malformed; the message names the key and path.</exception>
    internal static PasswordFile LoadPasswords(string path)
    {
        try
        {
            return PasswordFile.Load(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw new InvalidOperationException($"{Section}:PasswordFile: cannot use {path}: {Reason(ex)}", ex);
        }
    }

    /// <summary>Loads the embedded broker's certificate (<c>Mqtt:TlsCertificateFile</c>, <c>Mqtt:TlsKeyFile</c>).</summary>
    /// <param name="options">The <c>Mqtt</c> section.</param>
    /// <returns>The certificate with its key (the caller owns it).</returns>
    /// <exception cref="InvalidOperationException">Missing, unreadable or not PEM; the message names the key and path.</exception>
    internal static X509Certificate2 LoadServerCertificate(MqttOptions options)
    {
        if (MissingTlsFiles(options).FirstOrDefault() is { } missing)
        {
            throw new InvalidOperationException(missing);
        }

        return LoadPem("TlsCertificateFile", options.TlsCertificateFile, "TlsKeyFile", options.TlsKeyFile);
    }

    /// <summary>Loads <c>Mqtt:CaFile</c> (TLS to an external broker).</summary>
    /// <param name="options">The <c>Mqtt</c> section.</param>
    /// <returns>The CA certificates, or <see langword="null"/> when the key is empty (the system's roots).</returns>
    /// <exception cref="InvalidOperationException">Missing, unreadable or without a PEM certificate; the message names the key and path.</exception>
    internal static X509Certificate2Collection? LoadCa(MqttOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.CaFile))
        {
            return null;
        }

        RequireReadable("CaFile", options.CaFile);
        try
        {
            X509Certificate2Collection ca = [];
            ca.ImportFromPemFile(options.CaFile);
            return ca.Count > 0 ? ca : throw new CryptographicException("the file holds no PEM certificate");
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new InvalidOperationException($"{Section}:CaFile: cannot use {options.CaFile}: {Reason(ex)}", ex);
        }
    }

    /// <summary>Loads <c>Mqtt:ClientCertificateFile</c> with <c>Mqtt:ClientKeyFile</c> (TLS to an external broker).</summary>
    /// <param name="options">The <c>Mqtt</c> section.</param>
    /// <returns>The certificate with its key, or <see langword="null"/> when the key is empty.</returns>
    /// <exception cref="InvalidOperationException">Missing, unreadable or not PEM; the message names the key and path.</exception>
    internal static X509Certificate2? LoadClientCertificate(MqttOptions options) =>
        string.IsNullOrWhiteSpace(options.ClientCertificateFile) ? null
        : LoadPem("ClientCertificateFile", options.ClientCertificateFile, "ClientKeyFile", string.IsNullOrWhiteSpace(options.ClientKeyFile) ? null : options.ClientKeyFile);

    private static IEnumerable<string> MissingTlsFiles(MqttOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.TlsCertificateFile))
        {
            yield return $"{Section}:TlsCertificateFile: required with {Section}:EmbeddedTlsPort={options.EmbeddedTlsPort} (a PEM certificate)";
        }

        if (string.IsNullOrWhiteSpace(options.TlsKeyFile))
        {
            yield return $"{Section}:TlsKeyFile: required with {Section}:EmbeddedTlsPort={options.EmbeddedTlsPort} (the PEM private key)";
        }
    }

    private static X509Certificate2 LoadPem(string certificateKey, string certificateFile, string keyKey, string? keyFile)
    {
        RequireReadable(certificateKey, certificateFile);
        if (keyFile is not null)
        {
            RequireReadable(keyKey, keyFile);
        }

        try
        {
            // Through PKCS#12 so the key is a persisted one, which SslStream needs on every platform.
            using var pem = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new InvalidOperationException(
                $"{Section}:{certificateKey}: cannot load {certificateFile}{(keyFile is null ? string.Empty : $" with {Section}:{keyKey}={keyFile}")}: {Reason(ex)}", ex);
        }
    }

    private static void RequireReadable(string key, string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new InvalidOperationException($"{Section}:{key}: cannot read {path}: {Reason(ex)}", ex);
        }
    }

    private static string Reason(Exception ex) => ex is FileNotFoundException or DirectoryNotFoundException ? "no such file" : ex.Message;

    // Every unreadable file of a certificate and its key is reported, not only the first.
    private static bool Readable(List<string> problems, params (string Key, string Path)[] files)
    {
        var before = problems.Count;
        foreach (var (key, path) in files)
        {
            if (!string.IsNullOrWhiteSpace(path))
            {
                Try(problems, () => RequireReadable(key, path));
            }
        }

        return problems.Count == before;
    }

    private static void Try(List<string> problems, Action load)
    {
        try
        {
            load();
        }
        catch (InvalidOperationException ex)
        {
            problems.Add(ex.Message);
        }
    }

    private static bool TryParseAddress(string address, out IPAddress ip)
    {
        if (string.Equals(address, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            ip = IPAddress.Loopback;
            return true;
        }

        if (IPAddress.TryParse(address, out var parsed) && parsed.AddressFamily == AddressFamily.InterNetwork)
        {
            ip = parsed;
            return true;
        }

        ip = IPAddress.None;
        return false;
    }
}
