#Requires -Version 7.6
<#
.SYNOPSIS
    Builds the RedisBackup module folder (module/RedisBackup), and with -Test runs the tests, Test-ModuleManifest
    and the Pester suite.
.DESCRIPTION
    A thin wrapper: `dotnet build` of src/RedisBackup.PowerShell assembles module/RedisBackup from an explicit file
    list (its AssembleModule MSBuild target), so a machine without pwsh builds the very same folder with
    `dotnet build src/RedisBackup.PowerShell -c Release`. This script adds what only PowerShell can check.
.EXAMPLE
    ./build.ps1
    Builds (Release) and checks the manifest of the assembled module.
.EXAMPLE
    ./build.ps1 -Test
    Also runs the xunit tests and, when Pester 5 is installed, tests/pester in a fresh pwsh process.
#>
[CmdletBinding()]
param(
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Run the xunit tests and the Pester suite after building.
    [switch] $Test
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
$module = Join-Path $root 'module/RedisBackup'

function Invoke-Dotnet {
    dotnet @args
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($args -join ' ') failed with exit code $LASTEXITCODE." }
}

Write-Host "Building and assembling $module ($Configuration)"
Invoke-Dotnet build (Join-Path $root 'src/RedisBackup.PowerShell/RedisBackup.PowerShell.csproj') -c $Configuration

$manifest = Test-ModuleManifest -Path (Join-Path $module 'RedisBackup.psd1')
Write-Host "Test-ModuleManifest: $($manifest.Name) $($manifest.Version), $($manifest.ExportedCmdlets.Count) cmdlets"

if (-not $Test) { return }

Invoke-Dotnet test (Join-Path $root 'tests/RedisBackup.PowerShell.Tests') -c $Configuration
Invoke-Dotnet test (Join-Path $root 'tests/RedisBackup.Tests') -c $Configuration

$pester = Get-Module -ListAvailable -Name Pester | Where-Object Version -GE ([version]'5.0') | Sort-Object Version -Descending | Select-Object -First 1
if (-not $pester) {
    Write-Warning 'Pester 5 is not installed, so tests/pester did NOT run. Install it with: Install-Module Pester -MinimumVersion 5.5 -Scope CurrentUser'
    return
}

# A fresh process: a loaded binary module cannot be unloaded, and this session must not keep the dll locked.
$pesterScript = "Import-Module Pester -MinimumVersion 5.0; " +
    "`$c = New-PesterConfiguration; `$c.Run.Path = '$(Join-Path $root 'tests/pester')'; `$c.Run.Exit = `$true; `$c.Output.Verbosity = 'Detailed'; " +
    "Invoke-Pester -Configuration `$c"
pwsh -NoProfile -NonInteractive -Command $pesterScript
if ($LASTEXITCODE -ne 0) { throw "The Pester suite failed (exit code $LASTEXITCODE)." }
