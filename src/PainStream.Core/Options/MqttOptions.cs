// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.ComponentModel.DataAnnotations;

namespace PainStream.Core.Options;

/// <summary>The <c>Mqtt</c> section. Needs a restart.</summary>
public sealed class MqttOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Mqtt";

    /// <summary>
    /// Gets or sets the broker host. Empty: the daemon starts its own embedded broker on 127.0.0.1:<see cref="EmbeddedPort"/>.
    /// <value>The default value is empty.</value>
    /// </summary>
    public string Host { get; set; } = string.Empty;

    /// <summary>Gets or sets the broker port. <value>The default value is 1883.</value></summary>
    [Range(1, 65535)]
    public int Port { get; set; } = 1883;

    /// <summary>Gets or sets the port of the embedded broker (used when <see cref="Host"/> is empty). <value>The default value is 1883.</value></summary>
    [Range(1, 65535)]
    public int EmbeddedPort { get; set; } = 1883;

    /// <summary>Gets or sets the topic prefix. <value>The default value is <c>painstream</c>.</value></summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9_/-]{1,64}$")]
    public string TopicPrefix { get; set; } = "painstream";

    /// <summary>Gets or sets the MQTT client id. <value>The default value is <c>painstream</c>.</value></summary>
    [Required]
    [MinLength(1)]
    public string ClientId { get; set; } = "painstream";

    /// <summary>
    /// Gets or sets this instance's name when several instances share the cameras (issue 16). Not a configuration key (set
    /// <c>Shard:Instance</c>): the daemon sets it from the <c>Shard</c> section. When set, the client id is <c>ClientId-Instance</c>, availability and the
    /// Last Will go to <c>&lt;prefix&gt;/instances/&lt;instance&gt;/available</c>, and each camera status names the instance.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string Instance { get; set; } = string.Empty;

    /// <summary>Gets the client id the publisher connects with: <see cref="ClientId"/>, suffixed with <see cref="Instance"/> when set.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string EffectiveClientId => Instance.Length == 0 ? ClientId : ClientId + "-" + Instance;

    /// <summary>Gets or sets the user name; empty for none.</summary>
    public string Username { get; set; } = string.Empty;

    /// <summary>Gets or sets the password (set it through the environment: <c>PAINSTREAM__Mqtt__Password</c>).</summary>
    public string Password { get; set; } = string.Empty;

    /// <summary>Gets or sets a value indicating whether to connect with TLS. <value>The default value is <see langword="false"/>.</value></summary>
    public bool UseTls { get; set; }

    /// <summary>
    /// Gets or sets the PEM file of the certificate authority that signed an external broker's certificate (with
    /// <see cref="UseTls"/>); empty: the system's trusted roots. <value>The default value is empty.</value>
    /// </summary>
    public string CaFile { get; set; } = string.Empty;

    /// <summary>Gets or sets the PEM client certificate presented to an external broker (with <see cref="UseTls"/>); empty for none. <value>The default value is empty.</value></summary>
    public string ClientCertificateFile { get; set; } = string.Empty;

    /// <summary>Gets or sets the PEM private key of <see cref="ClientCertificateFile"/>. <value>The default value is empty.</value></summary>
    public string ClientKeyFile { get; set; } = string.Empty;

    /// <summary>
    /// Gets or sets the address the embedded broker listens on. Anything but a loopback address needs
    /// <see cref="PasswordFile"/>. <value>The default value is <c>127.0.0.1</c>.</value>
    /// </summary>
    [Required]
    public string EmbeddedAddress { get; set; } = "127.0.0.1";

    /// <summary>Gets or sets the embedded broker's TLS port (with <see cref="TlsCertificateFile"/> and <see cref="TlsKeyFile"/>); 0: no TLS listener. <value>The default value is 0.</value></summary>
    [Range(0, 65535)]
    public int EmbeddedTlsPort { get; set; }

    /// <summary>Gets or sets the PEM certificate (chain) of the embedded broker's TLS listener. <value>The default value is empty.</value></summary>
    public string TlsCertificateFile { get; set; } = string.Empty;

    /// <summary>Gets or sets the PEM private key of <see cref="TlsCertificateFile"/>. <value>The default value is empty.</value></summary>
    public string TlsKeyFile { get; set; } = string.Empty;

    /// <summary>
    /// Gets or sets the embedded broker's users: a Mosquitto <c>password_file</c> (<c>user:$7$…</c> lines, PBKDF2-SHA512, made with
    /// <c>mosquitto_passwd</c>), so one file serves both brokers. Set: every client must log in. Empty: anonymous clients
    /// are accepted, on loopback only. <value>The default value is empty.</value>
    /// </summary>
    public string PasswordFile { get; set; } = string.Empty;

    /// <summary>
    /// Gets or sets a value indicating whether the embedded broker accepts clients without a user name while it listens on
    /// loopback only (they may read and send nurse commands, never publish PainStream's output topics nor reset a baseline).
    /// Beyond loopback anonymous clients are never accepted. <value>The default value is <see langword="true"/>.</value>
    /// </summary>
    public bool AnonymousOnLoopback { get; set; } = true;

    /// <summary>Gets or sets the users (comma-separated) with the nurse role: they may acknowledge and snooze. <value>The default value is empty.</value></summary>
    public string Nurses { get; set; } = string.Empty;

    /// <summary>Gets or sets the users (comma-separated) with the integrator role: nurse commands and baseline reset. <value>The default value is empty.</value></summary>
    public string Integrators { get; set; } = string.Empty;

    /// <summary>
    /// Gets or sets a value indicating whether to take the command sender's identity from the MQTT 5 user property
    /// <c>painstream-user</c> of an external broker's messages. Only for a broker that sets (and overwrites) it itself;
    /// the embedded broker always does. <value>The default value is <see langword="false"/>.</value>
    /// </summary>
    public bool TrustUserProperty { get; set; }

    /// <summary>Gets or sets the longest snooze a command may ask for; longer ones are refused with a reply. <value>The default value is 60 min.</value></summary>
    [Range(1, 1440)]
    public int MaxSnoozeMinutes { get; set; } = 60;

    /// <summary>Gets or sets how many commands one client may send per minute; more are refused with a reply. <value>The default value is 60.</value></summary>
    [Range(1, 100_000)]
    public int CommandsPerMinutePerClient { get; set; } = 60;

    /// <summary>Gets or sets the keep-alive period, which also bounds how late the broker notices a dead daemon. <value>The default value is 15 s.</value></summary>
    [Range(1, 3600)]
    public int KeepAliveSeconds { get; set; } = 15;

    /// <summary>Gets or sets the longest reconnect delay (delays start at 1 s, double, and carry ±20 % jitter). <value>The default value is 3 s.</value></summary>
    [Range(0.1, 3600)]
    public double ReconnectMaxSeconds { get; set; } = 3;

    /// <summary>Gets or sets the interval of <c>…/faces</c> messages per camera. <value>The default value is 1000 ms.</value></summary>
    [Range(50, 60000)]
    public int FacesIntervalMilliseconds { get; set; } = 1000;

    /// <summary>Gets or sets the interval of <c>…/stats</c> messages. <value>The default value is 60 s.</value></summary>
    [Range(1, 3600)]
    public int StatsIntervalSeconds { get; set; } = 60;

    /// <summary>
    /// Gets or sets the SQLite file of the durable alert outbox (episode events and retained bed states wait there until the
    /// broker acknowledges them). A relative path is resolved against the daemon's home directory; the directory is created.
    /// Under systemd, point it into the unit's <c>StateDirectory=</c> (e.g. <c>/var/lib/painstream/outbox.db</c>): with
    /// <c>ProtectSystem=strict</c> the home directory is read-only. Only one process may use a file at a time.
    /// <value>The default value is <c>data/state/outbox.db</c>.</value>
    /// </summary>
    [Required]
    [MinLength(1)]
    public string OutboxPath { get; set; } = "data/state/outbox.db";

    /// <summary>
    /// Gets or sets the number of queued outbox messages above which the oldest <c>update</c> events and superseded retained
    /// bed states are dropped (counted and logged). <c>new</c> and <c>end</c> events are never dropped, so the outbox may
    /// exceed this bound when only they are left. <value>The default value is 20000.</value>
    /// </summary>
    [Range(100, 10_000_000)]
    public int OutboxMaxMessages { get; set; } = 20_000;

    /// <summary>
    /// Gets or sets the age after which queued <c>update</c> events and superseded retained bed states are dropped (counted and
    /// logged); <c>new</c> and <c>end</c> events are kept however old. <value>The default value is 24 hours.</value>
    /// </summary>
    [Range(0.01, 8760)]
    public double OutboxMaxAgeHours { get; set; } = 24;
}
