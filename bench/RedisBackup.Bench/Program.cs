using RedisBackup.Bench;

return args.Length > 0 && args[0] == "rdb-verify"
    ? await RdbVerifyBenchmark.RunAsync(args[1..]).ConfigureAwait(false)
    : Usage();

static int Usage()
{
    Console.Error.WriteLine("usage: RedisBackup.Bench rdb-verify FILE [--deep] [--entries]");
    return 2;
}
