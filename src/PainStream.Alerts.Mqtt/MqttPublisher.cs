// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics.Metrics;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using PainStream.Core.Alerting;
using PainStream.Core.Cameras;
using PainStream.Core.Detection;
using PainStream.Core.Diagnostics;
using PainStream.Core.Frames;
using PainStream.Core.Options;
using PainStream.Core.Pipeline;
using PainStream.Core.Publishing;

namespace PainStream.Alerts.Mqtt;

/// <summary>
/// The single owner of the MQTT client: connects and reconnects in its own loop, announces availability (Last Will
/// <c>offline</c>, <c>online</c> on every connect, <c>stopped</c> on graceful shutdown), keeps every camera's latest
/// retained status and re-sends them on reconnect, drives the <see cref="AlertOutboxPump"/> (alert events and bed states
/// from the durable outbox) on its connection, receives the nurse station's commands (handed to the patient stage through
/// the <see cref="AlertCommandChannel"/>), and sends best-effort telemetry (faces, scores, stats) while connected.
/// </summary>
/// <remarks>
/// <para>The <see cref="IPainStreamPublisher"/> methods and <see cref="PublishScore"/> are thread-safe and never block: they
/// only enqueue. <see cref="EnqueueAlertAsync"/> is thread-safe and blocks its caller for one SQLite commit (an fsync).
/// Only the publish loop (and <see cref="StopAsync"/>, once the loop has ended) touches the <see cref="IMqttClient"/>.</para>
/// <para>Retained statuses are never dropped: the latest per camera is kept and sent when the broker is back. Alert events
/// and bed states are stored in the <see cref="Outbox.SqliteAlertOutbox"/> before anything is sent and are deleted only
/// after the broker's PUBACK, strictly in order (at least once: (id, seq) is the dedupe key). Faces, scores and stats
/// (QoS 0) go through a bounded drop-oldest channel, and are dropped and counted (<c>painstream.mqtt.dropped</c>) while the
/// broker is away.</para>
/// <para>Commands are handed from MQTTnet's receive handler to a channel and processed by a second loop of this service,
/// which calls the <see cref="IAlertCommandHandler"/> and queues the reply for the publish loop.</para>
/// </remarks>
public sealed partial class MqttPublisher : BackgroundService, IPainStreamPublisher, IAlertPublisher, IMqttConnectionState
{
    /// <summary>How many outbox messages one pump step delivers before it lets statuses, replies and telemetry through.</summary>
    internal const int OutboxBatchSize = AlertOutboxPump.OutboxBatchSize;

    /// <summary>Capacity of the best-effort telemetry channel (about a minute of faces for a few cameras).</summary>
    internal const int TelemetryCapacity = 256;

    /// <summary>Metric tag carrying the message kind: availability, status, faces, score, stats, alert, alert-state, reply.</summary>
    internal const string KindTag = "kind";

    private static readonly TimeSpan InitialReconnectDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan HealthCheckInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    // Bounds the goodbye at shutdown, well inside the host's ShutdownTimeout.
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    private readonly MqttOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly MqttTopics _topics;
    private readonly string _endpoint;
    private readonly IMqttClient _client;
    private readonly MqttClientOptions _clientOptions;
    private readonly Channel<Telemetry> _telemetry;

    // A coalescing wake-up signal for the loop (capacity 1, extra writes dropped): status changes, telemetry, disconnects.
    private readonly Channel<bool> _wake;
    private readonly Lock _statusGate = new();
    private readonly Dictionary<CameraId, CameraStatus> _latest = [];
    // A null value means "clear the retained status" (the camera was removed).
    private readonly Dictionary<CameraId, CameraStatus?> _unsent = [];
    private readonly Counter<long> _published;
    private readonly Counter<long> _dropped;
    private readonly AlertOutboxPump _pump;
    private readonly bool _trustUserProperty;
    private volatile bool _connected;
    private volatile string? _lastError;
    private long _lastConnectedUtcTicks;
    private int _disposed;
    private int _started;

    /// <summary>Initializes a new instance of the <see cref="MqttPublisher"/> class.</summary>
    /// <param name="options">The validated <c>Mqtt</c> section.</param>
    /// <param name="outbox">The durable alert outbox (owned by the caller, e.g. the container; it outlives this publisher).</param>
    /// <param name="meterFactory">Creates the meter for the MQTT instruments.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="time">The clock for reconnect delays, timeouts and <see cref="LastConnectedAt"/>.</param>
    /// <param name="commands">Where received commands go (the patient stage serves it), or <see langword="null"/>: every command is answered <c>commands not available</c>.</param>
    /// <param name="embeddedLogin">How this client logs in at the embedded broker (when <see cref="MqttOptions.Host"/> is empty), or <see langword="null"/> for <see cref="MqttOptions.Username"/>.</param>
    internal MqttPublisher(
        MqttOptions options,
        Outbox.SqliteAlertOutbox outbox,
        IMeterFactory meterFactory,
        ILogger logger,
        TimeProvider time,
        AlertCommandChannel? commands = null,
        EmbeddedBrokerLogin? embeddedLogin = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(outbox);
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(time);
        _options = options;
        _logger = logger;
        _time = time;
        _topics = MqttTopics.For(options.TopicPrefix, options.Instance);
        (var host, var port) = BrokerEndpoint(options);
        _endpoint = host + ":" + port;

        // We don't dispose the meter: IMeterFactory owns it and disposes it with the container.
#pragma warning disable CA2000
        var meter = meterFactory.Create(PainStreamInstruments.MeterName);
#pragma warning restore CA2000
        _published = meter.CreateCounter<long>(PainStreamInstruments.MqttPublished, description: "MQTT messages sent, by kind.");
        _dropped = meter.CreateCounter<long>(PainStreamInstruments.MqttDropped, description: "Best-effort MQTT messages dropped while the broker was away or the queue was full, by kind.");
        meter.CreateObservableGauge(PainStreamInstruments.MqttConnected, () => _connected ? 1 : 0, description: "1 when connected to the MQTT broker.");

        _telemetry = Channel.CreateBounded<Telemetry>(
            new BoundedChannelOptions(TelemetryCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            item => CountDropped(item.Kind));
        _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
        _commands = Channel.CreateBounded<IncomingCommand>(new BoundedChannelOptions(CommandCapacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
        _replies = Channel.CreateBounded<OutgoingReply>(
            new BoundedChannelOptions(ReplyCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => _dropped.Add(1, Tag(ReplyKind)));
        _commandsReceived = meter.CreateCounter<long>(PainStreamInstruments.MqttCommands, description: "Nurse-station commands received, by command and result (ok, rejected, failed).");
        _commandChannel = commands;

        _pump = new AlertOutboxPump(
            outbox,
            _topics,
            meter,
            _published,
            TimeSpan.FromSeconds(options.ReconnectMaxSeconds),
            (message, ct) => _client!.PublishAsync(message, ct),
            () => _wake.Writer.TryWrite(true),
            error => _lastError = error,
            logger,
            time);
        _trustUserProperty = string.IsNullOrWhiteSpace(options.Host) || options.TrustUserProperty;
        _clientOptions = BuildClientOptions(options, host, port, _topics, embeddedLogin);
        _client = new MqttClientFactory().CreateMqttClient();
        _client.DisconnectedAsync += OnDisconnectedAsync;
        _client.ApplicationMessageReceivedAsync += OnApplicationMessageReceivedAsync;
    }

    /// <inheritdoc/>
    public bool IsConnected => _connected;

    /// <inheritdoc/>
    public string? LastError => _lastError;

    /// <inheritdoc/>
    public DateTimeOffset? LastConnectedAt
    {
        get
        {
            var ticks = Volatile.Read(ref _lastConnectedUtcTicks);
            return ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    /// <inheritdoc/>
    public int OutboxDepth => _pump.Outbox.Count;

    /// <summary>Gets the broker endpoint as <c>host:port</c> (no credentials).</summary>
    internal string Endpoint => _endpoint;

    /// <summary>Gets the client options, Last Will included (tests reuse them).</summary>
    internal MqttClientOptions ClientOptions => _clientOptions;

    /// <summary>Gets the topics.</summary>
    internal MqttTopics Topics => _topics;

    /// <summary>Gets the durable outbox (tests look at its depth and file).</summary>
    internal Outbox.SqliteAlertOutbox Outbox => _pump.Outbox;

    /// <inheritdoc/>
    public void PublishCameraStatus(CameraStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        lock (_statusGate)
        {
            _latest[status.Camera] = status;
            _unsent[status.Camera] = status;
        }

        _wake.Writer.TryWrite(true);
    }

    /// <inheritdoc/>
    public void RemoveCamera(CameraId camera)
    {
        lock (_statusGate)
        {
            _latest.Remove(camera);
            _unsent[camera] = null;
        }

        _wake.Writer.TryWrite(true);
    }

    /// <inheritdoc/>
    public void PublishFaces(FaceObservation observation)
    {
        ArgumentNullException.ThrowIfNull(observation);
        Enqueue(new Telemetry(TelemetryKind.Faces, observation, null));
    }

    /// <inheritdoc/>
    public void PublishStats(PainStreamStats stats)
    {
        ArgumentNullException.ThrowIfNull(stats);
        Enqueue(new Telemetry(TelemetryKind.Stats, null, stats));
    }

    /// <summary>
    /// The start-up step: ends the previous run's open episodes (<see cref="AlertOutboxPump.EndEpisodesOfPreviousRun"/>) before anything
    /// else is enqueued (the pipeline starts after the publisher), then starts the connection loop.
    /// </summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>A task that completes when the loop has started.</returns>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        PrepareStart();
        return base.StartAsync(cancellationToken);
    }

    /// <summary>The start-up step alone (once; later calls do nothing): ends the previous run's open episodes.</summary>
    internal void PrepareStart()
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            _pump.EndEpisodesOfPreviousRun();
        }
    }

    /// <summary>
    /// Stores the episode event and the bed's new retained state in the outbox in one transaction (see
    /// <see cref="AlertOutboxPump.Enqueue"/>), and wakes the delivery loop.
    /// </summary>
    /// <remarks>Completes synchronously once the SQLite commit is on disk (an fsync, typically milliseconds).</remarks>
    /// <param name="alert">The event.</param>
    /// <param name="cancellationToken">Checked before the store; a store under way is not interrupted.</param>
    /// <returns>A completed task once the event is durable.</returns>
    /// <exception cref="ArgumentException">The camera or bed name is not a valid topic level.</exception>
    /// <exception cref="Microsoft.Data.Sqlite.SqliteException">The outbox could not store it (e.g. disk full); logged, nothing was stored.</exception>
    public ValueTask EnqueueAlertAsync(AlertEvent alert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        cancellationToken.ThrowIfCancellationRequested();
        _pump.Enqueue(alert);
        return ValueTask.CompletedTask;
    }

    /// <summary>Publishes a score on <c>&lt;prefix&gt;/&lt;camera&gt;/&lt;bed&gt;/score</c> (QoS 0); dropped and counted while disconnected.</summary>
    /// <param name="report">The report.</param>
    /// <exception cref="ArgumentException">The camera or bed name is not a valid topic level.</exception>
    public void PublishScore(ScoreReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        AlertOutboxPump.ThrowIfInvalidLevel(report.Camera.Value, nameof(report));
        AlertOutboxPump.ThrowIfInvalidLevel(report.Bed, nameof(report));
        Enqueue(new Telemetry(TelemetryKind.Score, null, null, report));
    }

    /// <summary>
    /// Stops the publish loop, then (bounded by a timeout) sends pending camera statuses, publishes
    /// <c>&lt;prefix&gt;/available=stopped</c> and disconnects cleanly, so the broker discards the Last Will.
    /// </summary>
    /// <param name="cancellationToken">Signals that the host's shutdown timeout has elapsed.</param>
    /// <returns>A task that completes when the publisher has stopped.</returns>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (ExecuteTask is { IsCompleted: false })
        {
            // The loop still owns the client: using it here as well would break the single-owner rule.
            _logger.StopLoopStillRunning(_topics.Available);
            return;
        }

        using var timeout = new CancellationTokenSource(StopTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            if (_client.IsConnected)
            {
                await SendUnsentStatusesAsync(linked.Token);

                // What the pipeline emitted while draining (e.g. end events) goes out now rather than at the next start.
                while (await _pump.DeliverOnceAsync(linked.Token) > 0)
                {
                }

                await SendRepliesAsync(linked.Token);
                await PublishAsync(_topics.Available, MqttTopics.Stopped, MqttQualityOfServiceLevel.AtLeastOnce, retain: true, "availability", linked.Token);
                var disconnect = new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build();
                await _client.DisconnectAsync(disconnect, linked.Token);
                _logger.Stopped(_topics.Available, _endpoint);
            }
        }
        catch (Exception ex)
        {
            // By design: shutdown goes on without "stopped"; the broker publishes the Last Will (offline) instead.
            _logger.StopPublishFailed(ex, _topics.Available, _endpoint);
        }
        finally
        {
            _connected = false;
            DrainTelemetryAsDropped();
        }
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _client.DisconnectedAsync -= OnDisconnectedAsync;
        _client.ApplicationMessageReceivedAsync -= OnApplicationMessageReceivedAsync;
        _client.Dispose();

        // The outbox belongs to whoever made it (the container disposes it after this publisher): what is queued stays in
        // the file for the next start.
        base.Dispose();
    }

    /// <summary>
    /// One connection attempt: connects (when not connected), subscribes to the command topics, publishes
    /// <c>available=online</c>, queues every camera's latest status and every bed's alert state for re-sending, and resumes
    /// outbox delivery. Records the failure in <see cref="LastError"/> instead of throwing.
    /// </summary>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <returns><see langword="true"/> when connected and <c>online</c> was acknowledged.</returns>
    internal async Task<bool> ConnectOnceAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (!_client.IsConnected)
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(ConnectTimeout);
                var result = await _client.ConnectAsync(_clientOptions, timeout.Token);
                if (result.ResultCode != MqttClientConnectResultCode.Success)
                {
                    _lastError = "broker refused the connection: " + result.ResultCode;
                    return false;
                }
            }

            // Clean start: the broker forgot our subscriptions with the old session, so subscribe on every connect, and
            // before "online": a dashboard that has seen "online" may send a command at once.
            await SubscribeCommandsAsync(cancellationToken);

            // Connected before "online" goes out: anyone who has seen "online" may expect telemetry to flow.
            _lastError = null;
            Volatile.Write(ref _lastConnectedUtcTicks, _time.GetUtcNow().UtcTicks);
            _connected = true;
            await PublishAsync(_topics.Available, MqttTopics.Online, MqttQualityOfServiceLevel.AtLeastOnce, retain: true, "availability", cancellationToken);
            int statuses;
            lock (_statusGate)
            {
                foreach (var (camera, status) in _latest)
                {
                    _unsent[camera] = status;
                }

                statuses = _unsent.Count;
            }

            _logger.Connected(_endpoint, _topics.Available, statuses);
            _pump.OnConnected();
            if (_pump.Outbox.Count > 0)
            {
                _logger.OutboxDelivering(_pump.Outbox.Count, _endpoint);
            }

            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            MarkDisconnected();
            throw;
        }
        catch (Exception ex)
        {
            MarkDisconnected();

            // By design: any failure to reach the broker (refused, DNS, TLS, timeout, rejected) is retried by the loop.
            _lastError = ex is OperationCanceledException ? $"no answer within {ConnectTimeout.TotalSeconds:0} s" : Describe(ex);
            return false;
        }
    }

    /// <summary>
    /// One pump step: sends every unsent camera status, then a batch of outbox messages, the command replies and the queued
    /// telemetry. Returns <see langword="false"/> when the connection is gone; queued telemetry is then dropped and
    /// counted, unsent statuses, outbox messages and replies are kept.
    /// </summary>
    /// <param name="cancellationToken">Cancels the step.</param>
    /// <returns><see langword="true"/> while still connected.</returns>
    internal async Task<bool> SendPendingOnceAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (!_client.IsConnected)
            {
                return false;
            }

            await SendUnsentStatusesAsync(cancellationToken);
            if (await _pump.DeliverOnceAsync(cancellationToken) == OutboxBatchSize)
            {
                // More may be waiting: come back after the telemetry below instead of starving it.
                _wake.Writer.TryWrite(true);
            }

            await _pump.ResendBedStatesAsync(cancellationToken);
            await SendRepliesAsync(cancellationToken);

            // Bounded per step so that a flood of telemetry cannot starve the status check above.
            for (var i = 0; i < TelemetryCapacity && _telemetry.Reader.TryRead(out var item); i++)
            {
                await SendTelemetryAsync(item, cancellationToken);
            }

            if (_telemetry.Reader.Count > 0)
            {
                _wake.Writer.TryWrite(true);
            }

            return _client.IsConnected;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            // By design: a failed send means the connection is broken; the loop reconnects and re-sends the statuses.
            _lastError = Describe(ex);
            return false;
        }
    }

    /// <summary>Marks the connection lost: telemetry is dropped from now on, statuses wait for the next connect.</summary>
    internal void MarkDisconnected()
    {
        _connected = false;
        DrainTelemetryAsDropped();
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The command loop ends with the connection loop, also if that one fails: the failure must surface (StopHost).
        using var commandsStop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var commands = Task.Run(() => RunCommandsAsync(commandsStop.Token), CancellationToken.None);
        try
        {
            await RunConnectionAsync(stoppingToken);
        }
        finally
        {
            await commandsStop.CancelAsync();

            // It never throws (see RunCommandsAsync).
            await commands;
        }
    }

    private async Task RunConnectionAsync(CancellationToken stoppingToken)
    {
        var max = TimeSpan.FromSeconds(_options.ReconnectMaxSeconds);
        var backoff = new ReconnectBackoff(max < InitialReconnectDelay ? max : InitialReconnectDelay, max);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (!await ConnectOnceAsync(stoppingToken))
                {
                    var delay = backoff.Next();
                    _logger.ConnectFailed(_endpoint, backoff.Attempt, _lastError ?? "no reason given", (long)delay.TotalMilliseconds);
                    await Task.Delay(delay, _time, stoppingToken);
                    continue;
                }

                backoff.Reset();
                while (await SendPendingOnceAsync(stoppingToken))
                {
                    await WaitForWorkAsync(stoppingToken);
                }

                MarkDisconnected();
                _logger.ConnectionLost(_endpoint, _lastError ?? "the broker closed the connection");

                // A pause even after a good connection, so a broker that accepts and then drops us is not hammered.
                await Task.Delay(backoff.Next(), _time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Normal shutdown: StopAsync says "stopped" and disconnects.
        }
    }

    private static (string Host, int Port) BrokerEndpoint(MqttOptions options) =>
        !string.IsNullOrWhiteSpace(options.Host) ? (options.Host, options.Port)
        : (options.EmbeddedAddress is "0.0.0.0" or "localhost" or "" ? "127.0.0.1" : options.EmbeddedAddress, options.EmbeddedPort);

    private static MqttClientOptions BuildClientOptions(MqttOptions options, string host, int port, MqttTopics topics, EmbeddedBrokerLogin? embeddedLogin)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithClientId(options.EffectiveClientId)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCleanStart(true)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(options.KeepAliveSeconds))
            .WithTimeout(ConnectTimeout)
            .WithWillTopic(topics.Available)
            .WithWillPayload(MqttTopics.Offline)
            .WithWillRetain(true)
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (embeddedLogin is not null && string.IsNullOrWhiteSpace(options.Host))
        {
            builder = builder.WithCredentials(embeddedLogin.ClientId, embeddedLogin.Password);
        }
        else if (!string.IsNullOrEmpty(options.Username))
        {
            builder = builder.WithCredentials(options.Username, options.Password);
        }

        if (options.UseTls && !string.IsNullOrWhiteSpace(options.Host))
        {
            var certificates = (Ca: BrokerConfigRules.LoadCa(options), Client: BrokerConfigRules.LoadClientCertificate(options));
            builder = builder.WithTlsOptions(tls =>
            {
                tls = tls.UseTls(true).WithTargetHost(host);
                if (certificates.Ca is { } ca)
                {
                    // Trust exactly this CA for the broker (plus the usual name and validity checks).
                    tls = tls.WithTrustChain(ca);
                }

                if (certificates.Client is { } client)
                {
                    tls = tls.WithClientCertificates([client]);
                }
            });
        }

        return builder.Build();
    }

    private static string Describe(Exception ex) =>
        ex.InnerException is { } inner && ex is MQTTnet.Exceptions.MqttCommunicationException && !string.IsNullOrEmpty(inner.Message)
            ? ex.Message + " (" + inner.Message + ")"
            : ex.Message;

    private static string KindName(TelemetryKind kind) => kind switch
    {
        TelemetryKind.Faces => "faces",
        TelemetryKind.Score => "score",
        _ => "stats",
    };

    private static KeyValuePair<string, object?> Tag(string kind) => new(KindTag, kind);

    private Task OnDisconnectedAsync(MqttClientDisconnectedEventArgs args)
    {
        // Only record and signal: reconnecting from this event risks deadlocks inside MQTTnet; the loop reconnects.
        if (args.ClientWasConnected)
        {
            _connected = false;
            if (args.Reason != MqttClientDisconnectReason.NormalDisconnection || args.Exception is not null)
            {
                _lastError = args.Exception?.Message ?? args.ReasonString ?? args.Reason.ToString();
            }
        }

        _wake.Writer.TryWrite(true);
        return Task.CompletedTask;
    }

    private void Enqueue(Telemetry item)
    {
        // TryWrite on a drop-oldest channel succeeds even when it evicts; the eviction callback counts that drop.
        if (!_connected || !_telemetry.Writer.TryWrite(item))
        {
            CountDropped(item.Kind);
            return;
        }

        _wake.Writer.TryWrite(true);
    }

    private void CountDropped(TelemetryKind kind) => _dropped.Add(1, Tag(KindName(kind)));

    private void DrainTelemetryAsDropped()
    {
        while (_telemetry.Reader.TryRead(out var item))
        {
            CountDropped(item.Kind);
        }
    }

    private async Task WaitForWorkAsync(CancellationToken stoppingToken)
    {
        // Wakes on work or a disconnect; the periodic wake-up re-checks IsConnected in case a signal was missed, and an
        // outbox message the broker refused is retried when its delay is over.
        var wait = HealthCheckInterval;
        if (_pump.RetryAt is var retryAt and not 0)
        {
            var left = _time.GetElapsedTime(_time.GetTimestamp(), retryAt);
            wait = left <= TimeSpan.Zero ? TimeSpan.FromMilliseconds(1) : (left < wait ? left : wait);
        }

        using var timeout = new CancellationTokenSource(wait, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, timeout.Token);
        try
        {
            await _wake.Reader.WaitToReadAsync(linked.Token);
            _wake.Reader.TryRead(out _);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            // Health-check interval elapsed with nothing to do.
        }
    }

    private async Task SendUnsentStatusesAsync(CancellationToken cancellationToken)
    {
        KeyValuePair<CameraId, CameraStatus?>[] batch;
        lock (_statusGate)
        {
            if (_unsent.Count == 0)
            {
                return;
            }

            batch = [.. _unsent];
            _unsent.Clear();
        }

        var sent = 0;
        try
        {
            for (; sent < batch.Length; sent++)
            {
                var (camera, status) = batch[sent];
                var topic = _topics.Status(camera);
                if (status is null)
                {
                    // An empty retained message deletes the retained status on the broker.
                    await PublishAsync(topic, [], MqttQualityOfServiceLevel.AtLeastOnce, retain: true, "status", cancellationToken);
                }
                else if (TrySerialize(CameraStatusPayload.From(status, _options.Instance), MqttJsonContext.Wire.CameraStatusPayload, "status", topic) is { } payload)
                {
                    await PublishAsync(topic, payload, MqttQualityOfServiceLevel.AtLeastOnce, retain: true, "status", cancellationToken);
                }
            }
        }
        catch
        {
            // Put back what was not acknowledged, unless a newer status for that camera arrived meanwhile.
            lock (_statusGate)
            {
                for (var i = sent; i < batch.Length; i++)
                {
                    _unsent.TryAdd(batch[i].Key, batch[i].Value);
                }
            }

            throw;
        }
    }

    private async Task SendTelemetryAsync(Telemetry item, CancellationToken cancellationToken)
    {
        var kind = KindName(item.Kind);
        string topic;
        byte[]? payload;
        if (item.Faces is { } faces)
        {
            topic = _topics.Faces(faces.Camera);
            payload = TrySerialize(FacesPayload.From(faces), MqttJsonContext.Wire.FacesPayload, kind, topic);
        }
        else if (item.Score is { } score)
        {
            topic = _topics.Score(score.Camera.Value, score.Bed);
            payload = TrySerialize(ScorePayload.From(score), MqttJsonContext.Wire.ScorePayload, kind, topic);
        }
        else
        {
            topic = _topics.Stats;
            payload = TrySerialize(item.Stats!, MqttJsonContext.Wire.PainStreamStats, kind, topic);
        }

        if (payload is null)
        {
            CountDropped(item.Kind);
            return;
        }

        try
        {
            await PublishAsync(topic, payload, MqttQualityOfServiceLevel.AtMostOnce, retain: false, kind, cancellationToken);
        }
        catch
        {
            CountDropped(item.Kind);
            throw;
        }
    }

    private byte[]? TrySerialize<T>(T value, JsonTypeInfo<T> typeInfo, string kind, string topic)
    {
        try
        {
            return JsonSerializer.SerializeToUtf8Bytes(value, typeInfo);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or ArgumentException)
        {
            // By design: one bad message is skipped, the loop goes on.
            _logger.SerializeFailed(ex, kind, topic);
            return null;
        }
    }

    private Task PublishAsync(string topic, string payload, MqttQualityOfServiceLevel qos, bool retain, string kind, CancellationToken cancellationToken) =>
        PublishAsync(topic, System.Text.Encoding.UTF8.GetBytes(payload), qos, retain, kind, cancellationToken);

    private async Task PublishAsync(string topic, byte[] payload, MqttQualityOfServiceLevel qos, bool retain, string kind, CancellationToken cancellationToken)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(qos)
            .WithRetainFlag(retain)
            .Build();
        var result = await _client.PublishAsync(message, cancellationToken);
        if (!result.IsSuccess)
        {
            // The broker answered but refused (e.g. not authorised for the topic): retrying would not help.
            _logger.PublishRejected(topic, result.ReasonCode.ToString(), result.ReasonString);
            return;
        }

        _published.Add(1, Tag(kind));
    }

    private enum TelemetryKind
    {
        Faces,
        Stats,
        Score,
    }

    private readonly record struct Telemetry(TelemetryKind Kind, FaceObservation? Faces, PainStreamStats? Stats, ScoreReport? Score = null);
}
