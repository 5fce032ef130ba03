using System.Text;
using RedisBackup.Engine.Operations;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.KeyLevel;

/// <summary>
/// Fault-matrix case 36 of issue 9: key names with a newline, a NUL, invalid UTF-8, RESP and path look-alikes and the
/// empty name, in databases 0, 17 and 63 of a 64-database server, go through a catalog backup and a live restore
/// byte for byte, in logical and exact mode.
/// </summary>
public class HostileKeyNameTests
{
    private static readonly int[] Databases = [0, 17, 63];

    private static readonly byte[][] Names =
    [
        Encoding.UTF8.GetBytes("line\nbreak"),
        Encoding.UTF8.GetBytes("\n"),
        [0x00],
        Encoding.UTF8.GetBytes("nul\0inside"),
        [0xff, 0xfe, 0x80, 0x0a],
        [],
        Encoding.UTF8.GetBytes("\r\n*1\r\n$4\r\nPING\r\n"),
        Encoding.UTF8.GetBytes("../../etc/passwd"),
        Encoding.UTF8.GetBytes("{\"rec\":\"trailer\"}"),
    ];

    [Theory(Timeout = 300_000)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Keys_named_with_newlines_NULs_invalid_UTF8_or_nothing_in_databases_17_and_63_round_trip(bool exact)
    {
        await using var source = await RedisServer.StartAsync("--databases", "64");
        await using var target = await RedisServer.StartAsync("--databases", "64");
        await using (var c = await source.ConnectAsync())
        {
            foreach (var db in Databases)
            {
                await c.SelectAsync(db);
                for (var i = 0; i < Names.Length; i++)
                {
                    byte[] value = [.. Names[i], (byte)db, (byte)i];
                    byte[] hash = [.. Names[i], (byte)'h'];
                    await c.ExecuteAsync(CancellationToken.None, "SET", Names[i], value);
                    await c.ExecuteAsync(CancellationToken.None, "HSET", hash, Names[i], Names[^(i + 1)]);
                }
            }
        }
        var keys = Databases.Length * Names.Length * 2;
        using var dir = new TempDirectory();

        var outcome = await BackupOperation.RunAsync(new BackupRequest { Endpoint = source.Endpoint, Directory = dir.Path, Exact = exact })
            .WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(keys, outcome.Backup.KeyCount);

        var restored = await RestoreOperation.RunAsync(new RestoreRequest { Path = outcome.Backup.Path, Endpoint = target.Endpoint })
            .WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(restored.Success, string.Join("; ", restored.Failures));
        Assert.Equal(keys, restored.Restored);
        await ServerComparison.AssertIdenticalAsync(source, target, Databases);
        Assert.Equal(await source.DigestAsync(), await target.DigestAsync());
    }
}
