using System.Text.Json;

namespace RedisBackup.Tests.Cli;

/// <summary>The CLI ships with the JIT settings the benchmark measured, and runs on newer runtimes.</summary>
public class RuntimeSettingsTests
{
    [Fact]
    public void The_CLI_runtime_config_carries_the_measured_JIT_settings()
    {
        var path = Path.ChangeExtension(CliRun.DllPath, ".runtimeconfig.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var options = doc.RootElement.GetProperty("runtimeOptions");
        Assert.Equal("Major", options.GetProperty("rollForward").GetString());
        var config = options.GetProperty("configProperties");
        Assert.False(config.GetProperty("System.Runtime.TieredPGO").GetBoolean());
        Assert.False(config.GetProperty("System.Runtime.TieredCompilation.QuickJitForLoops").GetBoolean());
    }
}
