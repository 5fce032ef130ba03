#
# Module manifest for RedisBackup: back up and restore Redis (key-level exports and RDB snapshots).
# build.ps1 (or `dotnet build`) assembles the module folder out/RedisBackup/ from this file and the build output.
#
@{
    RootModule           = 'RedisBackup.PowerShell.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '7aaa5370-0d42-4051-8166-9c0330231a75'
    Author               = 'RedisBackup contributors'
    CompanyName          = 'RedisBackup contributors'
    Copyright            = '(c) RedisBackup contributors. All rights reserved.'
    Description          = 'Back up and restore Redis: key-level exports of a running server, point-in-time RDB snapshots from Docker containers or over replication, a verified backup catalog with retention, and restores into live servers or containers.'
    CompatiblePSEditions = @('Core')
    PowerShellVersion    = '7.6'
    RequiredAssemblies   = @('RedisBackup.Engine.dll')
    FormatsToProcess     = @('RedisBackup.Format.ps1xml')
    CmdletsToExport      = @(
        'New-RedisBackup'
        'Get-RedisBackup'
        'Restore-RedisBackup'
        'Remove-RedisBackup'
        'Get-RedisBackupStats'
        'Test-RedisBackup'
        'Copy-RedisBackup'
        'Convert-RedisBackup'
        'Get-RedisBackupContent'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    FileList             = @(
        'RedisBackup.psd1'
        'RedisBackup.PowerShell.dll'
        'RedisBackup.Engine.dll'
        'RedisBackup.Format.ps1xml'
        'en-US/RedisBackup.PowerShell.dll-Help.xml'
        'en-US/about_RedisBackup.help.txt'
    )
    PrivateData          = @{
        PSData = @{
            Tags         = @('Redis', 'Backup', 'Restore', 'RDB', 'Docker', 'Database', 'PSEdition_Core', 'Linux', 'Windows', 'MacOS')
            # No ProjectUri, LicenseUri or HelpUri: the project has no public address yet, and a placeholder would be a broken link.
            ReleaseNotes = @'
0.1.0
- New-RedisBackup: key-level backups of a running server; RDB snapshots from a Docker container or over replication; -Keep / -MaxAge retention.
- Get-RedisBackup, Get-RedisBackupStats, Test-RedisBackup, Copy-RedisBackup, Remove-RedisBackup over a verified backup catalog.
- Restore-RedisBackup into a live server (skip, -Replace or -Flush; absolute or relative TTLs; -ToDatabase) or into a container, with a safety snapshot first.
- One catalog parameter everywhere (-CatalogPath, alias -Directory); -Path/-LiteralPath/-Name name backups; strings pipe; read-only output objects.
'@
        }
    }
}
