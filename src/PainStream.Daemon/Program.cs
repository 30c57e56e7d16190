// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Daemon;

return await DaemonCli.RunAsync(args);
