using EvalTests.Cli;
using Spectre.Console;

return await EvalTestsCommand.InvokeAsync(args, Console.Out, Console.Error, AnsiConsole.Console);
