using BenchmarkDotNet.Running;
using EvalTests.Benchmarks;

// `ratios [model] [questions]` prints the README's ratios from one run; anything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "ratios")
{
    return await Ratios.RunAsync(args[1..]);
}

// `plan-ratios [--only ppl|gen] [model] [subjects...]`: the whole CLI against the least work (issue 19); `bare-ppl`/`bare-gen` are its bare loops' processes.
if (args.Length > 0 && args[0] == "plan-ratios")
{
    return await PlanRatios.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] is "bare-ppl" or "bare-gen")
{
    return PlanRatios.RunBare(args[0]["bare-".Length..], args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(Workload).Assembly).Run(args);
return 0;
