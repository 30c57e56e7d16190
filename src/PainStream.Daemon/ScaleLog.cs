// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Daemon;

/// <summary>Log messages of running past one machine (issue 16): shards and hardware decode. Event ids 5160–5169.</summary>
internal static partial class ScaleLog
{
    [LoggerMessage(5160, LogLevel.Information, "Instance {Instance} is shard {Index} of {Count}: it watches {Owned} of the {Configured} configured cameras")]
    public static partial void ShardWatching(this ILogger logger, string instance, int index, int count, int owned, int configured);

    [LoggerMessage(5161, LogLevel.Warning, "{Reason}")]
    public static partial void HardwareDecodeUnavailable(this ILogger logger, string reason);
}
