// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Buffers;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using PainStream.Core.Publishing;

namespace PainStream.Alerts.Mqtt;

/// <content>Commands from the nurse station: subscription, hand-off from MQTTnet, handling and replies.</content>
public sealed partial class MqttPublisher
{
    /// <summary>How a sender the broker did not name appears in logs and the rate limit.</summary>
    internal const string UnknownSender = "an unauthenticated sender";

    /// <summary>The reply error when no <see cref="IAlertCommandHandler"/> is registered.</summary>
    internal const string CommandsNotAvailable = "commands not available";

    /// <summary>Metric kind of a command reply.</summary>
    internal const string ReplyKind = "reply";

    /// <summary>Commands waiting for the command loop; more are answered <c>busy</c> (and counted <c>dropped</c>) rather than block MQTTnet.</summary>
    internal const int CommandCapacity = 1024;

    /// <summary>Replies waiting for the publish loop (kept across a reconnect; only beyond this, the oldest are dropped and counted).</summary>
    internal const int ReplyCapacity = 65_536;

    /// <summary>How many replies one pump step sends before it lets the other traffic through.</summary>
    internal const int RepliesPerStep = 256;

    /// <summary>The rate-limit window.</summary>
    internal static readonly TimeSpan RateWindow = TimeSpan.FromMinutes(1);

    /// <summary>The longest a command handler may take before the command is answered with a timeout.</summary>
    internal static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(10);

    private readonly Channel<IncomingCommand> _commands;
    private readonly Channel<OutgoingReply> _replies;
    private readonly Counter<long> _commandsReceived;
    private readonly AlertCommandChannel? _commandChannel;

    // Commands per sender in the current window; only the command loop touches it.
    private readonly Dictionary<string, (long WindowStart, int Count)> _rates = new(StringComparer.Ordinal);

    /// <summary>
    /// Handles one command message: parses it strictly, calls the handler (bounded by <see cref="CommandTimeout"/>) and
    /// builds the reply. Never throws for a bad message or a failing handler; the loop body, callable from tests.
    /// </summary>
    /// <param name="topic">The topic the command came on.</param>
    /// <param name="payload">The payload.</param>
    /// <param name="cancellationToken">Stops the service.</param>
    /// <returns>Where to reply (<see langword="null"/>: nowhere) and what.</returns>
    /// <param name="user">The sender as the broker authenticated it, or <see langword="null"/> when it does not say.</param>
    internal async Task<(string? Topic, CommandReplyPayload Reply)> HandleCommandAsync(string topic, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken, string? user = null)
    {
        var parsed = CommandParser.Parse(_topics, topic, payload.Span, _options.MaxSnoozeMinutes, user);
        if (parsed.Command is not { } command)
        {
            _logger.CommandRejected(topic, user ?? UnknownSender, parsed.Error!);
            CountCommand(parsed.Name, "rejected");
            return (parsed.ReplyTopic, new CommandReplyPayload(parsed.Name, false, parsed.Error, _time.GetUtcNow(), user));
        }

        if (IsOverRate(user ?? UnknownSender) is { } limit)
        {
            _logger.CommandRejected(topic, user ?? UnknownSender, limit);
            CountCommand(parsed.Name, "rejected");
            return (parsed.ReplyTopic, new CommandReplyPayload(parsed.Name, false, limit, _time.GetUtcNow(), user));
        }

        AlertCommandResult result;
        try
        {
            if (_commandChannel is not { } channel)
            {
                result = AlertCommandResult.Fail(CommandsNotAvailable);
            }
            else
            {
                using var timeout = new CancellationTokenSource(CommandTimeout, _time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
                result = await channel.SendAsync(command, linked.Token);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException)
        {
            result = AlertCommandResult.Fail($"the command timed out after {CommandTimeout.TotalSeconds:0} s");
        }
        catch (Exception ex)
        {
            // By design: a throwing handler answers this command with an error; the command loop goes on.
            _logger.CommandHandlerFailed(ex, parsed.Name, command.Camera.Value, command.Bed);
            result = AlertCommandResult.Fail("internal error: the command could not be applied");
        }

        if (result.NotMine)
        {
            // Another instance watches this camera and answers (issue 16).
            return (null, new CommandReplyPayload(parsed.Name, false, null, _time.GetUtcNow()));
        }

        var error = result.Ok ? null : (string.IsNullOrEmpty(result.Error) ? "the command was not applied" : result.Error);
        _logger.CommandHandled(parsed.Name, command.Camera.Value, command.Bed, user ?? UnknownSender, error ?? "ok");
        CountCommand(parsed.Name, result.Ok ? "ok" : result.Rejected ? "rejected" : "failed");
        return (parsed.ReplyTopic, new CommandReplyPayload(parsed.Name, result.Ok, error, _time.GetUtcNow(), user));
    }

    /// <summary>Counts a command of <paramref name="sender"/> and says why it is refused when over the per-client rate.</summary>
    private string? IsOverRate(string sender)
    {
        var now = _time.GetTimestamp();
        var window = (long)(RateWindow.TotalSeconds * _time.TimestampFrequency);
        if (_rates.Count > 10_000)
        {
            // Bounded memory under a flood of made-up identities: old windows are forgotten.
            foreach (var stale in _rates.Where(r => now - r.Value.WindowStart >= window).Select(r => r.Key).ToList())
            {
                _rates.Remove(stale);
            }
        }

        var (start, count) = _rates.TryGetValue(sender, out var entry) && now - entry.WindowStart < window ? entry : (now, 0);
        _rates[sender] = (start, count + 1);
        return count + 1 > _options.CommandsPerMinutePerClient
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"rate limit: at most {_options.CommandsPerMinutePerClient} commands per minute per client (Mqtt:CommandsPerMinutePerClient)")
            : null;
    }

    private async Task SubscribeCommandsAsync(CancellationToken cancellationToken)
    {
        var builder = new MqttClientSubscribeOptionsBuilder();
        foreach (var filter in _topics.CommandFilters)
        {
            // No-local: the replies, scores and bed states this client publishes there must not come back to it.
            builder = builder.WithTopicFilter(f => f.WithTopic(filter).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithNoLocal(true));
        }

        var result = await _client.SubscribeAsync(builder.Build(), cancellationToken);
        foreach (var item in result.Items)
        {
            if (item.ResultCode > MqttClientSubscribeResultCode.GrantedQoS2)
            {
                _logger.SubscribeFailed(_endpoint, item.TopicFilter.Topic + ": " + item.ResultCode);
            }
        }
    }

    private Task OnApplicationMessageReceivedAsync(MqttApplicationMessageReceivedEventArgs args)
    {
        // MQTTnet waits for this handler before it reads on: copy (at most what the parser looks at), hand off, return.
        var message = args.ApplicationMessage;
        var topic = message.Topic;
        var levels = topic.Length > _topics.Prefix.Length + 1 ? topic[(_topics.Prefix.Length + 1)..].Split('/') : [];
        if (levels.Length < 3 || MqttTopics.IsOutputLevel(levels[2]))
        {
            // Another publisher's output (e.g. another instance's status or bed state), not a command.
            return Task.CompletedTask;
        }

        string? user = null;
        if (_trustUserProperty && message.UserProperties is { } properties)
        {
            foreach (var property in properties)
            {
                if (string.Equals(property.Name, BrokerSecurity.UserProperty, StringComparison.Ordinal))
                {
                    user = property.ReadValueAsString();
                }
            }
        }

        var payload = message.Payload.Length > CommandParser.MaxPayloadBytes
            ? message.Payload.Slice(0, CommandParser.MaxPayloadBytes + 1).ToArray()
            : message.Payload.ToArray();
        if (!_commands.Writer.TryWrite(new IncomingCommand(topic, payload, message.CorrelationData, user)))
        {
            // Never silent: the sender learns it was not taken (if the topic names a bed to answer on).
            _logger.CommandQueueFull(topic);
            CountCommand(CommandParser.Unknown, "dropped");
            if (levels.Length >= 2)
            {
                QueueReply(_topics.Reply(levels[0], levels[1]), new CommandReplyPayload(CommandParser.Unknown, false, "busy: too many commands queued, send it again later", _time.GetUtcNow(), user), message.CorrelationData);
            }
        }

        return Task.CompletedTask;
    }

    private async Task RunCommandsAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var incoming in _commands.Reader.ReadAllAsync(stoppingToken))
            {
                var (topic, reply) = await HandleCommandAsync(incoming.Topic, incoming.Payload, stoppingToken, incoming.User);
                if (topic is not null)
                {
                    QueueReply(topic, reply, incoming.CorrelationData);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Normal shutdown.
        }
    }

    private void QueueReply(string topic, CommandReplyPayload reply, byte[]? correlationData)
    {
        if (TrySerialize(reply, MqttJsonContext.Wire.CommandReplyPayload, ReplyKind, topic) is { } payload)
        {
            _replies.Writer.TryWrite(new OutgoingReply(topic, payload, correlationData));
            _wake.Writer.TryWrite(true);
        }
    }

    private async Task SendRepliesAsync(CancellationToken cancellationToken)
    {
        for (var i = 0; i < RepliesPerStep && _replies.Reader.TryRead(out var reply); i++)
        {
            var builder = new MqttApplicationMessageBuilder()
                .WithTopic(reply.Topic)
                .WithPayload(reply.Payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithRetainFlag(false);
            if (reply.CorrelationData is { } correlation)
            {
                // MQTT 5 request/response: the sender can match the reply to its command.
                builder = builder.WithCorrelationData(correlation);
            }

            try
            {
                var result = await _client.PublishAsync(builder.Build(), cancellationToken);
                if (result.IsSuccess)
                {
                    _published.Add(1, Tag(ReplyKind));
                }
                else
                {
                    _logger.PublishRejected(reply.Topic, result.ReasonCode.ToString(), result.ReasonString);
                }
            }
            catch
            {
                // Replies are not durable: one lost with the connection is counted, not re-sent.
                _dropped.Add(1, Tag(ReplyKind));
                throw;
            }
        }
    }

    private void CountCommand(string command, string result) =>
        _commandsReceived.Add(1, new KeyValuePair<string, object?>("command", command), new KeyValuePair<string, object?>("result", result));

    private sealed record IncomingCommand(string Topic, byte[] Payload, byte[]? CorrelationData, string? User);

    private sealed record OutgoingReply(string Topic, byte[] Payload, byte[]? CorrelationData);
}
