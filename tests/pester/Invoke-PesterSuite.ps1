<#
.SYNOPSIS
    Runs the Pester suite (tests/pester/*.Tests.ps1) with the Pester module given by path and writes its counts as JSON.
.DESCRIPTION
    build.ps1 -Test runs this in a fresh pwsh process. Failed blocks and containers (an error in BeforeAll, a file
    that does not parse) count as failures, so a suite that could not run never looks green.
#>
param(
    [Parameter(Mandatory)] [string] $PesterManifest,
    [Parameter(Mandatory)] [string] $ResultFile
)
$ErrorActionPreference = 'Stop'
# The seal key of sidecars ($XDG_CONFIG_HOME/redisbackup) goes into a directory of the suite's own, never the user's.
$config = Join-Path ([System.IO.Path]::GetTempPath()) "redisbackup-pester-config-$([guid]::NewGuid().ToString('N'))"
[void][System.IO.Directory]::CreateDirectory($config, [System.IO.UnixFileMode]448)
$env:XDG_CONFIG_HOME = $config
Import-Module -Name $PesterManifest -Force
$configuration = New-PesterConfiguration
$configuration.Run.Path = $PSScriptRoot
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = 'Detailed'
try {
    $result = Invoke-Pester -Configuration $configuration
} finally {
    Remove-Item -LiteralPath $config -Recurse -Force -ErrorAction SilentlyContinue
}
$counts = [ordered]@{
    Passed  = $result.PassedCount
    Failed  = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
    Skipped = $result.SkippedCount + $result.NotRunCount
}
$counts | ConvertTo-Json | Set-Content -LiteralPath $ResultFile -Encoding utf8
exit ([int]($counts.Failed -gt 0))
