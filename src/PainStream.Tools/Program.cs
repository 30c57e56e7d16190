// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Tools;

return await ToolsCli.RunAsync(args);
