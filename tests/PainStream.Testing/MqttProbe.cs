// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace PainStream.Testing;

/// <summary>One message received by an <see cref="MqttProbe"/>.</summary>
/// <param name="Index">Arrival order, from 0.</param>
/// <param name="Topic">The topic.</param>
/// <param name="Payload">The payload as UTF-8 text.</param>
/// <param name="Retain">The retain flag as published (MQTT 5 retain-as-published), or true for a stored retained message.</param>
/// <param name="CorrelationData">The MQTT 5 correlation data, or <see langword="null"/>.</param>
public sealed record ProbeMessage(int Index, string Topic, string Payload, bool Retain, byte[]? CorrelationData = null);

/// <summary>
/// A test subscriber (MQTTnet, MQTT 5) that records every message matching its filter and lets a test await a message
/// matching a predicate: a signal with a timeout, never a fixed delay.
/// </summary>
/// <remarks>Thread-safe. It does not reconnect: after a broker restart, connect a new probe.</remarks>
public sealed class MqttProbe : IAsyncDisposable
{
    /// <summary>The default time to wait for a message.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly IMqttClient _client;
    private readonly string _syncTopic;
    private readonly List<ProbeMessage> _messages = [];
    private readonly List<Waiter> _waiters = [];

    private MqttProbe(IMqttClient client, string syncTopic)
    {
        _client = client;
        _syncTopic = syncTopic;
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
    }

    /// <summary>Gets the number of messages received so far (use it as <c>after</c> in <see cref="WaitForAsync(Func{ProbeMessage, bool}, int, TimeSpan?)"/>).</summary>
    public int Count
    {
        get
        {
            lock (_messages)
            {
                return _messages.Count;
            }
        }
    }

    /// <summary>Gets a snapshot of the messages received so far, in arrival order.</summary>
    public IReadOnlyList<ProbeMessage> Messages
    {
        get
        {
            lock (_messages)
            {
                return [.. _messages];
            }
        }
    }

    /// <summary>Connects to 127.0.0.1:<paramref name="port"/> (or <paramref name="host"/>) and subscribes to <paramref name="filter"/>.</summary>
    /// <param name="port">The broker port.</param>
    /// <param name="filter">The topic filter. <value>The default value is <c>#</c>.</value></param>
    /// <param name="host">The broker host. <value>The default value is 127.0.0.1.</value></param>
    /// <param name="session">
    /// A client id whose session the broker keeps for an hour after a disconnect (clean start off): a later probe with the
    /// same id receives the QoS 1 messages the broker queued meanwhile, even across a broker restart when the broker
    /// persists its sessions. <see langword="null"/> (the default) for a fresh, clean session.
    /// </param>
    /// <param name="cancellationToken">Cancels the connection.</param>
    /// <param name="configure">Adds to the client options (credentials, TLS), or <see langword="null"/>.</param>
    /// <returns>The connected probe.</returns>
    public static async Task<MqttProbe> ConnectAsync(
        int port,
        string filter = "#",
        string host = "127.0.0.1",
        string? session = null,
        Func<MqttClientOptionsBuilder, MqttClientOptionsBuilder>? configure = null,
        CancellationToken cancellationToken = default)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var id = session ?? "probe-" + Guid.NewGuid().ToString("N")[..12];
        var probe = new MqttProbe(client, "painstream-probe/" + id + "/sync");
        try
        {
            var builder = new MqttClientOptionsBuilder()
                .WithTcpServer(host, port)
                .WithClientId(id)
                .WithProtocolVersion(MqttProtocolVersion.V500)
                .WithCleanStart(session is null)
                .WithSessionExpiryInterval(session is null ? 0u : 3600u)
                .WithTimeout(TimeSpan.FromSeconds(5));
            var options = (configure?.Invoke(builder) ?? builder).Build();
            var result = await client.ConnectAsync(options, cancellationToken);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                throw new InvalidOperationException("the broker refused the probe: " + result.ResultCode);
            }
            var subscribe = new MqttClientSubscribeOptionsBuilder()
                .WithTopicFilter(f => f.WithTopic(filter).WithAtLeastOnceQoS().WithRetainAsPublished(true))
                .WithTopicFilter(f => f.WithTopic(probe._syncTopic).WithAtLeastOnceQoS())
                .Build();
            await client.SubscribeAsync(subscribe, cancellationToken);
            return probe;
        }
        catch
        {
            await probe.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits for a message (received before or after the call) with index ≥ <paramref name="after"/> that matches.</summary>
    /// <param name="predicate">What to wait for.</param>
    /// <param name="after">Ignore messages with a smaller index (a previous <see cref="Count"/>).</param>
    /// <param name="timeout">How long to wait. <value>The default value is <see cref="DefaultTimeout"/>.</value></param>
    /// <returns>The first matching message.</returns>
    /// <exception cref="TimeoutException">No message matched in time; the message lists what was received.</exception>
    public async Task<ProbeMessage> WaitForAsync(Func<ProbeMessage, bool> predicate, int after = 0, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        Waiter waiter;
        lock (_messages)
        {
            for (var i = after; i < _messages.Count; i++)
            {
                if (predicate(_messages[i]))
                {
                    return _messages[i];
                }
            }

            waiter = new Waiter(predicate, after);
            _waiters.Add(waiter);
        }

        var limit = timeout ?? DefaultTimeout;
        try
        {
            return await waiter.Completion.Task.WaitAsync(limit);
        }
        catch (TimeoutException)
        {
            lock (_messages)
            {
                _waiters.Remove(waiter);
            }

            throw new TimeoutException($"No matching MQTT message within {limit} (after #{after}). Received:\n{Describe()}");
        }
    }

    /// <summary>Waits for <paramref name="payload"/> on <paramref name="topic"/>.</summary>
    /// <param name="topic">The topic.</param>
    /// <param name="payload">The exact payload.</param>
    /// <param name="after">Ignore messages with a smaller index.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <returns>The message.</returns>
    public Task<ProbeMessage> WaitForAsync(string topic, string payload, int after = 0, TimeSpan? timeout = null) =>
        WaitForAsync(m => m.Topic == topic && m.Payload == payload, after, timeout);

    /// <summary>
    /// Publishes a marker to this probe's own topic and waits until it comes back: every message the broker routed to
    /// this probe before the marker has then been recorded.
    /// </summary>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <returns>A task that completes when the marker has come back.</returns>
    public async Task SyncAsync(CancellationToken cancellationToken = default)
    {
        var marker = Guid.NewGuid().ToString("N");
        await _client.PublishStringAsync(_syncTopic, marker, MqttQualityOfServiceLevel.AtLeastOnce, retain: false, cancellationToken);
        await WaitForAsync(_syncTopic, marker, after: 0);
    }

    /// <summary>Publishes a message (QoS 1, not retained), e.g. a nurse-station command; waits for the broker's PUBACK.</summary>
    /// <param name="topic">The topic.</param>
    /// <param name="payload">The payload as UTF-8 text (empty for none).</param>
    /// <param name="correlationData">MQTT 5 correlation data, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <returns>The broker's answer (QoS 1: its PUBACK, which says whether it accepted the message).</returns>
    public async Task<MqttClientPublishResult> PublishAsync(string topic, string payload, byte[]? correlationData = null, CancellationToken cancellationToken = default)
    {
        var builder = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(Encoding.UTF8.GetBytes(payload))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (correlationData is not null)
        {
            builder = builder.WithCorrelationData(correlationData);
        }

        return await _client.PublishAsync(builder.Build(), cancellationToken);
    }

    /// <summary>Lists the received messages, one a line (for assertion messages).</summary>
    /// <returns>The list.</returns>
    public string Describe() => string.Join('\n', Messages.Select(m => $"#{m.Index} {m.Topic} retain={m.Retain}: {m.Payload}"));

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        _client.ApplicationMessageReceivedAsync -= OnMessageAsync;
        try
        {
            if (_client.IsConnected)
            {
                await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build());
            }
        }
        catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or ObjectDisposedException)
        {
            // The broker may already be gone (killed by the test).
        }
        finally
        {
            _client.Dispose();
        }
    }

    private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs args)
    {
        var message = args.ApplicationMessage;
        var payload = Encoding.UTF8.GetString(message.Payload);
        List<(Waiter Waiter, ProbeMessage Message)>? matched = null;
        lock (_messages)
        {
            var received = new ProbeMessage(_messages.Count, message.Topic, payload, message.Retain, message.CorrelationData);
            _messages.Add(received);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                var waiter = _waiters[i];
                if (received.Index >= waiter.After && waiter.Predicate(received))
                {
                    _waiters.RemoveAt(i);
                    (matched ??= []).Add((waiter, received));
                }
            }
        }

        if (matched is not null)
        {
            foreach (var (waiter, received) in matched)
            {
                waiter.Completion.TrySetResult(received);
            }
        }

        return Task.CompletedTask;
    }

    private sealed class Waiter(Func<ProbeMessage, bool> predicate, int after)
    {
        public Func<ProbeMessage, bool> Predicate { get; } = predicate;

        public int After { get; } = after;

        public TaskCompletionSource<ProbeMessage> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
