// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Buffers;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using MQTTnet;
using MQTTnet.Protocol;
using PainStream.Core.Publishing;

namespace PainStream.Alerts.Mqtt;

/// <content>Commands from the nurse station: subscription, hand-off from MQTTnet, handling and replies.</content>
public sealed partial class MqttPublisher
{
    /// <summary>The reply error when no <see cref="IAlertCommandHandler"/> is registered.</summary>
    internal const string CommandsNotAvailable = "commands not available";

    /// <summary>Metric kind of a command reply.</summary>
    internal const string ReplyKind = "reply";

    /// <summary>Commands waiting for the command loop; more are dropped (and logged) rather than block MQTTnet.</summary>
    internal const int CommandCapacity = 64;

    /// <summary>Replies waiting for the publish loop (kept across a reconnect; the oldest go first when full).</summary>
    internal const int ReplyCapacity = 256;

    /// <summary>The longest a command handler may take before the command is answered with a timeout.</summary>
    internal static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(10);

    private readonly Channel<IncomingCommand> _commands;
    private readonly Channel<OutgoingReply> _replies;
    private readonly Counter<long> _commandsReceived;
    private readonly AlertCommandChannel? _commandChannel;

    /// <summary>
    /// Handles one command message: parses it strictly, calls the handler (bounded by <see cref="CommandTimeout"/>) and
    /// builds the reply. Never throws for a bad message or a failing handler; the loop body, callable from tests.
    /// </summary>
    /// <param name="topic">The topic the command came on.</param>
    /// <param name="payload">The payload.</param>
    /// <param name="cancellationToken">Stops the service.</param>
    /// <returns>Where to reply (<see langword="null"/>: nowhere) and what.</returns>
    internal async Task<(string? Topic, CommandReplyPayload Reply)> HandleCommandAsync(string topic, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var parsed = CommandParser.Parse(_topics, topic, payload.Span);
        if (parsed.Command is not { } command)
        {
            _logger.CommandRejected(topic, parsed.Error!);
            CountCommand(parsed.Name, "rejected");
            return (parsed.ReplyTopic, new CommandReplyPayload(parsed.Name, false, parsed.Error, _time.GetUtcNow()));
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

        var error = result.Ok ? null : (string.IsNullOrEmpty(result.Error) ? "the command was not applied" : result.Error);
        _logger.CommandHandled(parsed.Name, command.Camera.Value, command.Bed, command.By, error ?? "ok");
        CountCommand(parsed.Name, result.Ok ? "ok" : "failed");
        return (parsed.ReplyTopic, new CommandReplyPayload(parsed.Name, result.Ok, error, _time.GetUtcNow()));
    }

    private async Task SubscribeCommandsAsync(CancellationToken cancellationToken)
    {
        var builder = new MqttClientSubscribeOptionsBuilder();
        foreach (var filter in _topics.CommandFilters)
        {
            builder = builder.WithTopicFilter(f => f.WithTopic(filter).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce));
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
        var payload = message.Payload.Length > CommandParser.MaxPayloadBytes
            ? message.Payload.Slice(0, CommandParser.MaxPayloadBytes + 1).ToArray()
            : message.Payload.ToArray();
        if (!_commands.Writer.TryWrite(new IncomingCommand(message.Topic, payload, message.CorrelationData)))
        {
            _logger.CommandQueueFull(message.Topic);
            CountCommand(CommandParser.Unknown, "dropped");
        }

        return Task.CompletedTask;
    }

    private async Task RunCommandsAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var incoming in _commands.Reader.ReadAllAsync(stoppingToken))
            {
                var (topic, reply) = await HandleCommandAsync(incoming.Topic, incoming.Payload, stoppingToken);
                if (topic is null)
                {
                    continue;
                }

                if (TrySerialize(reply, MqttJsonContext.Wire.CommandReplyPayload, ReplyKind, topic) is { } payload)
                {
                    _replies.Writer.TryWrite(new OutgoingReply(topic, payload, incoming.CorrelationData));
                    _wake.Writer.TryWrite(true);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Normal shutdown.
        }
    }

    private async Task SendRepliesAsync(CancellationToken cancellationToken)
    {
        for (var i = 0; i < ReplyCapacity && _replies.Reader.TryRead(out var reply); i++)
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

    private sealed record IncomingCommand(string Topic, byte[] Payload, byte[]? CorrelationData);

    private sealed record OutgoingReply(string Topic, byte[] Payload, byte[]? CorrelationData);
}
