using BenchmarkDotNet.Running;
using EvalTests.Benchmarks;

// `ratios [model] [questions]` prints the README's ratios from one run; anything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "ratios")
{
    return await Ratios.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(Workload).Assembly).Run(args);
return 0;
