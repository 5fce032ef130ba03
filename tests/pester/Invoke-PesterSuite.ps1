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
Import-Module -Name $PesterManifest -Force
$configuration = New-PesterConfiguration
$configuration.Run.Path = $PSScriptRoot
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = 'Detailed'
$result = Invoke-Pester -Configuration $configuration
$counts = [ordered]@{
    Passed  = $result.PassedCount
    Failed  = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
    Skipped = $result.SkippedCount + $result.NotRunCount
}
$counts | ConvertTo-Json | Set-Content -LiteralPath $ResultFile -Encoding utf8
exit ([int]($counts.Failed -gt 0))
