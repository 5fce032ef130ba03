using RedisBackup.PowerShell.Tests.Infrastructure;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.PowerShell.Tests.Cmdlets;

/// <summary>
/// -WhatIf and -Verbose come from the engine's plan: -WhatIf lists the numbered steps and what retention would remove;
/// -Verbose prints "Step n/total" for the same steps, with the same numbers, as the run enters them.
/// </summary>
public sealed class PlanCmdletTests(LiveServers servers) : IClassFixture<LiveServers>, IDisposable
{
    private readonly TempDirectory _work = new();
    private string Catalog => _work.Combine("catalog");
    private Dictionary<string, object?> Vars => new() { ["src"] = servers.Source.Port, ["dst"] = servers.Target.Port, ["cat"] = Catalog };

    public void Dispose() => _work.Dispose();

    [Fact]
    public void WhatIf_with_Keep_lists_the_backups_retention_would_delete_and_the_run_deletes_them()
    {
        using var ps = new PowerShellSession(location: _work.Path);
        var made = ps.Run("1..3 | ForEach-Object { (New-RedisBackup -HostName 127.0.0.1 -Port $src -CatalogPath $cat -Label ('b' + $_)).Path }", variables: Vars)
            .AssertClean().Output.Select(o => o.ToString()).ToList();
        Assert.Equal(3, made.Count);

        ps.Run("New-RedisBackup -HostName 127.0.0.1 -Port $src -CatalogPath $cat -Keep 2 -WhatIf", variables: Vars).AssertClean();
        var text = ps.Host.TakeText();
        Assert.Contains("  1. Export keys from redis://127.0.0.1:", text, StringComparison.Ordinal);
        Assert.Contains("  3. Apply retention", text, StringComparison.Ordinal);
        Assert.Contains("Retention would remove:", text, StringComparison.Ordinal);
        Assert.Contains(made[0], text, StringComparison.Ordinal);
        Assert.Contains(made[1], text, StringComparison.Ordinal);
        Assert.DoesNotContain(made[2], text, StringComparison.Ordinal);
        Assert.All(made, p => Assert.True(File.Exists(p)));

        var run = ps.Run("New-RedisBackup -HostName 127.0.0.1 -Port $src -CatalogPath $cat -Keep 2 -Verbose | Out-Null", variables: Vars).AssertClean();
        var steps = run.Verbose.Where(v => v.StartsWith("Step ", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, steps.Count);
        Assert.StartsWith("Step 1/3: Export keys from redis://127.0.0.1:", steps[0], StringComparison.Ordinal);
        Assert.StartsWith("Step 2/3: Verify the new file", steps[1], StringComparison.Ordinal);
        Assert.StartsWith("Step 3/3: Apply retention", steps[2], StringComparison.Ordinal);
        Assert.False(File.Exists(made[0]));
        Assert.False(File.Exists(made[1]));
        Assert.True(File.Exists(made[2]));
    }

    [Fact]
    public void WhatIf_without_anything_to_remove_says_so()
    {
        using var ps = new PowerShellSession(location: _work.Path);
        ps.Run("New-RedisBackup -HostName 127.0.0.1 -Port $src -CatalogPath $cat -Keep 2 -WhatIf", variables: Vars).AssertClean();
        Assert.Contains("Retention would remove no backup.", ps.Host.TakeText(), StringComparison.Ordinal);
    }

    [Fact]
    public void Restore_Verbose_numbers_the_steps_WhatIf_listed()
    {
        using var ps = new PowerShellSession(location: _work.Path);
        ps.Run("New-RedisBackup -HostName 127.0.0.1 -Port $src -CatalogPath $cat | Out-Null", variables: Vars).AssertClean();
        ps.Run("Get-RedisBackup -CatalogPath $cat | Restore-RedisBackup -HostName 127.0.0.1 -Port $dst -Replace -WhatIf", variables: Vars).AssertClean();
        var whatIf = ps.Host.TakeText();
        Assert.Contains("  1. Verify ", whatIf.Replace("  1. Check ", "  1. Verify ", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("  2. Restore ", whatIf, StringComparison.Ordinal);

        var run = ps.Run("Get-RedisBackup -CatalogPath $cat | Restore-RedisBackup -HostName 127.0.0.1 -Port $dst -Replace -Confirm:$false -Verbose | Out-Null", variables: Vars).AssertClean();
        var steps = run.Verbose.Where(v => v.StartsWith("Step ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, steps.Count);
        Assert.StartsWith("Step 1/2: ", steps[0], StringComparison.Ordinal);
        Assert.StartsWith("Step 2/2: Restore ", steps[1], StringComparison.Ordinal);
    }
}
