namespace RedisBackup.Tests.Infrastructure;

/// <summary>
/// Tests that need root (mounting a small volume, creating a second local user, files owned by another user) call
/// <see cref="Require"/>: CI runs as root, so they run there; anywhere else they fail with this message rather than
/// pass without testing anything.
/// </summary>
internal static class Root
{
    public static bool IsRoot => OperatingSystem.IsLinux() && Engine.IO.UnixFile.EffectiveUserId == 0;

    public static void Require(string why)
        => Assert.True(IsRoot, $"This test needs root ({why}); CI runs the suite as root. It fails here rather than pass without testing.");
}
