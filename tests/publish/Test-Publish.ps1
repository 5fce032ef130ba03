<#
.SYNOPSIS
    Proves the assembled module is publishable: Publish-PSResource into a local file repository, Install-PSResource
    from it into a fresh module path, then a new session that imports it by name (auto-loading by cmdlet name).
.DESCRIPTION
    Everything happens in child pwsh processes whose HOME is a temporary directory (and whose XDG folders and
    PSModulePath are unset), so neither the repository registration nor the installed module touches the caller's
    profile, and the only RedisBackup the new session can find is the one just installed.
#>
param(
    [Parameter(Mandatory)] [string] $ModuleFolder
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$work = Join-Path ([System.IO.Path]::GetTempPath()) ("redisbackup-publish-" + [guid]::NewGuid().ToString('N'))
$repository = Join-Path $work 'repository'
$catalog = Join-Path $work 'catalog'
New-Item -ItemType Directory -Path $repository, $catalog | Out-Null
$freshHome = Join-Path $work 'home'
New-Item -ItemType Directory -Path $freshHome | Out-Null
$saved = @{}
$variables = 'HOME', 'XDG_DATA_HOME', 'XDG_CONFIG_HOME', 'XDG_CACHE_HOME', 'PSModulePath'
foreach ($name in $variables) { $saved[$name] = [Environment]::GetEnvironmentVariable($name) }
try {
    # The child sessions build their module path from scratch (user, shared, $PSHOME): no module of this session leaks in.
    foreach ($name in $variables) { [Environment]::SetEnvironmentVariable($name, $null) }
    [Environment]::SetEnvironmentVariable('HOME', $freshHome)

    $publish = @'
param($ModuleFolder, $Repository)
$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name RedisBackupLocal -Uri $Repository -Trusted
Publish-PSResource -Path $ModuleFolder -Repository RedisBackupLocal
$package = Get-ChildItem -LiteralPath $Repository -Filter 'RedisBackup.*.nupkg'
"published: $($package.Name)"
Install-PSResource -Name RedisBackup -Repository RedisBackupLocal -Scope CurrentUser -TrustRepository
$installed = Get-InstalledPSResource -Name RedisBackup -Scope CurrentUser
"installed: RedisBackup $($installed.Version) in $($installed.InstalledLocation)"
'@
    pwsh -NoProfile -NonInteractive -Command ([scriptblock]::Create($publish)) -args $ModuleFolder, $repository
    if ($LASTEXITCODE -ne 0) { throw "Publish-PSResource / Install-PSResource failed (exit code $LASTEXITCODE)." }

    # A new session: no Import-Module; the first cmdlet call loads the installed module by name.
    $use = @'
param($Catalog, $Data)
$ErrorActionPreference = 'Stop'
if (Get-Module RedisBackup) { throw 'RedisBackup was loaded before any cmdlet ran.' }
$stats = Get-RedisBackupStats -CatalogPath $Catalog
$loaded = Get-Module RedisBackup
if (-not $loaded) { throw 'Get-RedisBackupStats ran but the RedisBackup module is not loaded.' }
if (-not $loaded.ModuleBase.StartsWith($Data)) { throw "RedisBackup loaded from $($loaded.ModuleBase), not from the fresh module path under $Data (the fresh HOME)." }
if ($stats.TotalBackups -ne 0) { throw "An empty catalog reports $($stats.TotalBackups) backups." }
"auto-loaded: RedisBackup $($loaded.Version) from $($loaded.ModuleBase), $(@(Get-Command -Module RedisBackup).Count) cmdlets"
'@
    pwsh -NoProfile -NonInteractive -Command ([scriptblock]::Create($use)) -args $catalog, $freshHome
    if ($LASTEXITCODE -ne 0) { throw "The installed module did not auto-load by cmdlet name (exit code $LASTEXITCODE)." }
    'publish check: passed'
} finally {
    foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
}
