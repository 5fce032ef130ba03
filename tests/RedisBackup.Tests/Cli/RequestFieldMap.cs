using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Tests.Cli;

/// <summary>
/// Every public settable field of the engine's requests (backup, restore, their restore options and the endpoint),
/// with the CLI option and the cmdlet parameter that set it. Compiled into both test projects: the CLI's tests parse
/// each option and check the field is set; the cmdlets' tests check each parameter exists on its cmdlet. A field added
/// to a request without a way to set it from both fronts fails <see cref="AllFields"/>'s completeness check.
/// </summary>
internal static class RequestFieldMap
{
    /// <param name="Field">"Backup.Match", "Restore.Options.Ttl", "Endpoint.TlsServerName".</param>
    /// <param name="CliArgs">Arguments (after the command) that set the field, for a request the CLI otherwise builds with its defaults.</param>
    /// <param name="Parameters">The cmdlet parameters that set it: on New-RedisBackup for a backup or endpoint field, Restore-RedisBackup for a restore or endpoint field.</param>
    /// <param name="IsSet">True when the request built from <paramref name="CliArgs"/> carries the value.</param>
    internal sealed record Entry(string Field, string[] CliArgs, string[] Parameters, Func<object, bool> IsSet);

    /// <summary>Fields no front sets, each with why (engine callers and tests only).</summary>
    public static readonly IReadOnlyDictionary<string, string> EngineOnly = new Dictionary<string, string>
    {
        ["Backup.ContainerFile"] = "set by a container restore to copy the data file an interrupted restore kept",
        ["Restore.Options.Clock"] = "tests pin the clock",
        ["Restore.Options.AlwaysReplay"] = "a test and benchmark switch (replay even payloads the target accepts); neither front exposes it",
        ["Endpoint.ConnectTimeout"] = "engine defaults",
        ["Endpoint.CommandTimeout"] = "engine defaults",
    };

    public static readonly IReadOnlyList<Entry> Backup =
    [
        new("Backup.Kind", ["--kind", "rdb"], ["Kind"], r => ((BackupRequest)r).Kind == Engine.Model.BackupKind.Snapshot),
        new("Backup.Endpoint", ["--host", "h1"], ["HostName", "Port", "Uri"], r => ((BackupRequest)r).Endpoint?.Host == "h1"),
        new("Backup.Container", ["--container", "c1"], ["Container"], r => ((BackupRequest)r).Container == "c1"),
        new("Backup.ContainerCredentials", ["--container", "c1", "--user", "u1", "--password", "p1"], ["Credential"], r => ((BackupRequest)r).ContainerCredentials?.User == "u1"),
        new("Backup.Directory", ["--dir", "/tmp/parity-dir"], ["CatalogPath"], r => ((BackupRequest)r).Directory == "/tmp/parity-dir"),
        new("Backup.Databases", ["--db", "3"], ["Database"], r => ((BackupRequest)r).Databases is [3]),
        new("Backup.Match", ["--match", "a*"], ["Match"], r => ((BackupRequest)r).Match == "a*"),
        new("Backup.Types", ["--type", "hash"], ["Type"], r => ((BackupRequest)r).Types is ["hash"]),
        new("Backup.Exact", ["--exact"], ["Exact"], r => ((BackupRequest)r).Exact),
        new("Backup.Compress", ["--kind", "rdb", "--compress"], ["Compress"], r => ((BackupRequest)r).Compress),
        new("Backup.Keep", ["--keep", "4"], ["Keep"], r => ((BackupRequest)r).Keep == 4),
        new("Backup.MaxAge", ["--max-age", "2d"], ["MaxAge"], r => ((BackupRequest)r).MaxAge == TimeSpan.FromDays(2)),
        new("Backup.Label", ["--label", "l1"], ["Label"], r => ((BackupRequest)r).Label == "l1"),
        new("Backup.AllowShrink", ["--allow-shrink"], ["AllowShrink"], r => ((BackupRequest)r).AllowShrink),
    ];

    /// <summary>Restore fields; the CLI's arguments follow the backup file argument.</summary>
    public static readonly IReadOnlyList<Entry> Restore =
    [
        new("Restore.Path", [], ["Path", "LiteralPath", "Name", "InputObject"], r => !string.IsNullOrEmpty(((RestoreRequest)r).Path)),
        new("Restore.Endpoint", ["--host", "h1"], ["HostName", "Port", "Uri"], r => ((RestoreRequest)r).Endpoint?.Host == "h1"),
        new("Restore.Container", ["--container", "c1"], ["Container"], r => ((RestoreRequest)r).Container == "c1"),
        new("Restore.ContainerCredentials", ["--container", "c1", "--user", "u1", "--password", "p1"], ["Credential"], r => ((RestoreRequest)r).ContainerCredentials?.User == "u1"),
        new("Restore.Options", ["--replace"], ["Replace"], r => ((RestoreRequest)r).Options.ExistingKeys == ExistingKeyPolicy.Replace),
        new("Restore.SkipVerify", ["--skip-verify"], ["SkipVerify"], r => ((RestoreRequest)r).SkipVerify),
        new("Restore.SkipSafetySnapshot", ["--container", "c1", "--no-safety-snapshot"], ["SkipSafetySnapshot"], r => ((RestoreRequest)r).SkipSafetySnapshot),
        new("Restore.SafetySnapshotDirectory", ["--container", "c1", "--dir", "/tmp/parity-dir"], ["CatalogPath"], r => ((RestoreRequest)r).SafetySnapshotDirectory == "/tmp/parity-dir"),
        new("Restore.Options.ExistingKeys", ["--flush"], ["Replace", "Flush"], r => ((RestoreRequest)r).Options.ExistingKeys == ExistingKeyPolicy.Flush),
        new("Restore.Options.Ttl", ["--ttl", "relative"], ["TtlMode"], r => ((RestoreRequest)r).Options.Ttl == TtlMode.Relative),
        new("Restore.Options.TargetDatabase", ["--to-db", "2"], ["ToDatabase"], r => ((RestoreRequest)r).Options.TargetDatabase == 2),
        new("Restore.Options.FailFast", ["--fail-fast"], ["FailFast"], r => ((RestoreRequest)r).Options.FailFast),
        new("Restore.Options.RequireFieldTtl", ["--require-field-ttl"], ["RequireFieldTtl"], r => ((RestoreRequest)r).Options.RequireFieldTtl),
        new("Restore.Options.Databases", ["--db", "3"], ["SourceDatabase"], r => ((RestoreRequest)r).Options.Databases is [3]),
        new("Restore.Options.Match", ["--match", "a*"], ["Match"], r => ((RestoreRequest)r).Options.Match == "a*"),
        new("Restore.Options.Types", ["--type", "hash"], ["Type"], r => ((RestoreRequest)r).Options.Types is ["hash"]),
    ];

    /// <summary>Endpoint fields, checked on both commands (CLI) and both cmdlets.</summary>
    public static readonly IReadOnlyList<Entry> Endpoint =
    [
        new("Endpoint.Host", ["--host", "h1"], ["HostName"], e => ((RedisEndpoint)e).Host == "h1"),
        new("Endpoint.Port", ["--port", "6390"], ["Port"], e => ((RedisEndpoint)e).Port == 6390),
        new("Endpoint.User", ["--user", "u1", "--password", "p1"], ["Credential"], e => ((RedisEndpoint)e).User == "u1"),
        new("Endpoint.Password", ["--password", "p1"], ["Credential"], e => ((RedisEndpoint)e).Password == "p1"),
        new("Endpoint.Database", ["--uri", "redis://h1:6390/4"], ["Uri"], e => ((RedisEndpoint)e).Database == 4),
        new("Endpoint.UseTls", ["--tls"], ["UseTls"], e => ((RedisEndpoint)e).UseTls),
        new("Endpoint.TlsCaFile", ["--tls-ca", "/tmp/ca.pem"], ["TlsCaFile"], e => ((RedisEndpoint)e).TlsCaFile == "/tmp/ca.pem"),
        new("Endpoint.TlsClientCertFile", ["--tls-cert", "/tmp/c.pem"], ["TlsCertificatePath"], e => ((RedisEndpoint)e).TlsClientCertFile == "/tmp/c.pem"),
        new("Endpoint.TlsClientKeyFile", ["--tls-key", "/tmp/k.pem"], ["TlsKeyPath"], e => ((RedisEndpoint)e).TlsClientKeyFile == "/tmp/k.pem"),
        new("Endpoint.TlsServerName", ["--tls-server-name", "redis.internal"], ["TlsServerName"], e => ((RedisEndpoint)e).TlsServerName == "redis.internal"),
        new("Endpoint.TlsSkipVerify", ["--tls-skip-verify"], ["SkipCertificateCheck"], e => ((RedisEndpoint)e).TlsSkipVerify),
    ];

    /// <summary>"Backup.X", "Restore.X", "Restore.Options.X", "Endpoint.X" for every public settable property of the requests.</summary>
    public static IEnumerable<string> AllFields()
    {
        static IEnumerable<string> Props(Type t, string prefix) => t.GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance)
            .Where(p => p.SetMethod is { IsPublic: true }).Select(p => prefix + p.Name);
        return Props(typeof(BackupRequest), "Backup.").Concat(Props(typeof(RestoreRequest), "Restore."))
            .Concat(Props(typeof(RestoreOptions), "Restore.Options.")).Concat(Props(typeof(RedisEndpoint), "Endpoint."));
    }

    /// <summary>The fields the map covers or names as engine-only.</summary>
    public static IEnumerable<string> Mapped() => Backup.Concat(Restore).Concat(Endpoint).Select(e => e.Field).Concat(EngineOnly.Keys);
}
