#Requires -Version 7.6
<#
.SYNOPSIS
    Builds the RedisBackup module folder (out/RedisBackup); -Test runs every test suite once, -Publish proves the
    module publishes and installs by name, -Demo runs the end-to-end demonstration.
.DESCRIPTION
    A thin wrapper: `dotnet build` of src/RedisBackup.PowerShell assembles out/RedisBackup from an explicit file
    list (its AssembleModule MSBuild target). This script adds what only PowerShell can check.

    -Test builds the solution once, runs the xunit suites of the solution once (engine, CLI, and the cmdlets hosted
    in-process), then the Pester suite (tests/pester) once in a fresh pwsh process, prints each suite's counts and
    ends with one line "N passed, N failed, N skipped" over both. It fails on any failure and when no test ran.
.EXAMPLE
    ./build.ps1
    Builds (Release) and checks the manifest of the assembled module.
.EXAMPLE
    ./build.ps1 -Test -Publish
    What CI runs (.ci/test): both suites, the publish check, then the counts (a failed publish check counts as a failure).
#>
[CmdletBinding()]
param(
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Run the xunit suites and the Pester suite, each once, and print the counts.
    [switch] $Test,

    # Publish-PSResource into a local file repository, Install-PSResource into a fresh module path, import by name.
    [switch] $Publish,

    # Start two throwaway redis-servers and show a backup and restore end to end (redis-backup demo).
    [switch] $Demo
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
$module = Join-Path $root 'out/RedisBackup'
$pesterVersion = '5.7.1'

function Invoke-Dotnet {
    dotnet @args
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($args -join ' ') failed with exit code $LASTEXITCODE." }
}

function Get-PesterManifest {
    $packages = (dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', ''
    $path = Join-Path $packages "pester/$pesterVersion/tools/Pester.psd1"
    if (-not (Test-Path -LiteralPath $path)) {
        throw "Pester $pesterVersion is not installed at $path. Run: bash .ci/setup (or dotnet restore tests/pester/restore)."
    }
    $path
}

if ($Test) {
    Write-Host "Building RedisBackup.sln ($Configuration)"
    Invoke-Dotnet build (Join-Path $root 'RedisBackup.sln') -c $Configuration --nologo
} else {
    Write-Host "Building and assembling $module ($Configuration)"
    Invoke-Dotnet build (Join-Path $root 'src/RedisBackup.PowerShell/RedisBackup.PowerShell.csproj') -c $Configuration --nologo
}

$manifest = Test-ModuleManifest -Path (Join-Path $module 'RedisBackup.psd1')
Write-Host "Test-ModuleManifest: $($manifest.Name) $($manifest.Version), $($manifest.ExportedCmdlets.Count) cmdlets"

$failures = @()

if ($Test) {
    $results = Join-Path ([System.IO.Path]::GetTempPath()) ("redisbackup-results-" + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $results | Out-Null
    try {
        # xunit: every test project of the solution, once.
        $xunitWatch = [System.Diagnostics.Stopwatch]::StartNew()
        # A hung test host (a deadlock; a synchronous test, whose [Fact(Timeout)] xunit 2 does not enforce) is killed after
        # 10 minutes without a finished test and the run fails; the blame sequence file names the test it was running.
        dotnet test (Join-Path $root 'RedisBackup.sln') -c $Configuration --no-build --nologo --logger 'trx' --results-directory $results `
            --blame-hang --blame-hang-timeout 10m --blame-hang-dump-type none
        $xunitExit = $LASTEXITCODE
        $xunitWatch.Stop()
        $xunit = [ordered]@{ Passed = 0; Failed = 0; Skipped = 0 }
        foreach ($trx in Get-ChildItem -LiteralPath $results -Filter *.trx) {
            $counters = ([xml](Get-Content -LiteralPath $trx.FullName -Raw)).TestRun.ResultSummary.Counters
            $failed = [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted
            $xunit.Passed += [int]$counters.passed
            $xunit.Failed += $failed
            $xunit.Skipped += [int]$counters.total - [int]$counters.passed - $failed
        }
        # The tests a killed or crashed test host was running: Completed="False" in the blame collector's sequence files.
        $unfinished = @(Get-ChildItem -LiteralPath $results -Recurse -Filter 'Sequence_*.xml' | ForEach-Object {
                ([xml](Get-Content -LiteralPath $_.FullName -Raw)).SelectNodes("//Test[@Completed='False']") | ForEach-Object { $_.GetAttribute('DisplayName') }
            } | Sort-Object -Unique)
        foreach ($test in $unfinished) {
            $failures += "test host killed or crashed (hang timeout 10 min, or a crash) while running: $test"
            $xunit.Failed += 1
        }
        if ($xunitExit -ne 0 -and $xunit.Failed -eq 0) {
            $failures += "dotnet test exited with $xunitExit without a failed test in its results (a crashed or hung test host?)"
            $xunit.Failed += 1
        }

        # Pester: tests/pester in a fresh pwsh (a loaded binary module cannot be unloaded; this session must not hold it).
        $pesterResult = Join-Path $results 'pester.json'
        $pesterWatch = [System.Diagnostics.Stopwatch]::StartNew()
        pwsh -NoProfile -NonInteractive -File (Join-Path $root 'tests/pester/Invoke-PesterSuite.ps1') -PesterManifest (Get-PesterManifest) -ResultFile $pesterResult
        $pesterExit = $LASTEXITCODE
        $pesterWatch.Stop()
        $pester = [ordered]@{ Passed = 0; Failed = 0; Skipped = 0 }
        if (Test-Path -LiteralPath $pesterResult) {
            $counts = Get-Content -LiteralPath $pesterResult -Raw | ConvertFrom-Json
            $pester.Passed = $counts.Passed; $pester.Failed = $counts.Failed; $pester.Skipped = $counts.Skipped
        } else {
            $failures += "the Pester run (exit code $pesterExit) wrote no result"
            $pester.Failed += 1
        }

        # The publish check runs before the summary, so the count line stays the last line; a failed check is a failure.
        $publishFailed = 0
        if ($Publish) {
            try {
                & (Join-Path $root 'tests/publish/Test-Publish.ps1') -ModuleFolder $module
            } catch {
                $failures += "the publish check failed: $_"
                $publishFailed = 1
            }
        }

        $passed = $xunit.Passed + $pester.Passed
        $failed = $xunit.Failed + $pester.Failed + $publishFailed
        $skipped = $xunit.Skipped + $pester.Skipped
        Write-Host ''
        Write-Host ("suite xunit  (RedisBackup.sln): passed {0}, failed {1}, skipped {2} in {3:N0} s" -f $xunit.Passed, $xunit.Failed, $xunit.Skipped, $xunitWatch.Elapsed.TotalSeconds)
        Write-Host ("suite Pester (tests/pester):    passed {0}, failed {1}, skipped {2} in {3:N0} s" -f $pester.Passed, $pester.Failed, $pester.Skipped, $pesterWatch.Elapsed.TotalSeconds)
        foreach ($f in $failures) { Write-Host "problem: $f" }
        Write-Host "$passed passed, $failed failed, $skipped skipped"
        if ($failed -gt 0) { exit 1 }
        if ($passed -eq 0) { Write-Host 'no test ran'; exit 1 }
    } finally {
        Remove-Item -LiteralPath $results -Recurse -Force -ErrorAction SilentlyContinue
    }
}

if ($Publish -and -not $Test) {
    & (Join-Path $root 'tests/publish/Test-Publish.ps1') -ModuleFolder $module
}

if ($Demo) {
    Invoke-Dotnet run -c $Configuration --project (Join-Path $root 'src/RedisBackup.Cli') --no-launch-profile -- demo
}
