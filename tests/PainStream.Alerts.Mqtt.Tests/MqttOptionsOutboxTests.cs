// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Options;

namespace PainStream.Alerts.Mqtt.Tests;

public sealed class MqttOptionsOutboxTests
{
    [Fact]
    public void Defaults_AreValidAndRelative()
    {
        var options = new MqttOptions();

        Assert.True(new MqttOptionsValidator().Validate(null, options).Succeeded);
        Assert.Equal("data/state/outbox.db", options.OutboxPath);
        Assert.Equal(20_000, options.OutboxMaxMessages);
        Assert.Equal(24, options.OutboxMaxAgeHours);
    }

    [Theory]
    [InlineData("", 20_000, 24, "OutboxPath")]
    [InlineData("x.db", 99, 24, "OutboxMaxMessages")]
    [InlineData("x.db", 10_000_001, 24, "OutboxMaxMessages")]
    [InlineData("x.db", 20_000, 0, "OutboxMaxAgeHours")]
    [InlineData("x.db", 20_000, 8761, "OutboxMaxAgeHours")]
    public void Validate_OutOfRange_NamesTheKey(string path, int maxMessages, double maxAgeHours, string key)
    {
        var options = new MqttOptions { OutboxPath = path, OutboxMaxMessages = maxMessages, OutboxMaxAgeHours = maxAgeHours };

        var result = new MqttOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(key, result.FailureMessage, StringComparison.Ordinal);
    }
}
