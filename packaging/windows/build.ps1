# Build the Windows onedir (GUI + console .exe), sign it, smoke-test it, then the Inno Setup
# installer (signed too when credentials are set).
#
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1 [-Python python]
#       [-SkipInstaller] [-RequireSigning] [build.py arguments...]
#
# Needs Inno Setup 6 or 7 (iscc.exe on PATH, or in its default folder under either Program
# Files): winget install JRSoftware.InnoSetup, or choco install innosetup.
# Output: dist\mail-setup-wizard\ and dist\MailSetupWizard-<v>-windows-x64-setup.exe
#
# Authenticode signing, one of (nothing set: unsigned, and -RequireSigning fails the build):
#   WINDOWS_SIGN_CERT_SHA1          thumbprint of a code-signing certificate already in
#                                   Cert:\CurrentUser\My (with its key; a token's CSP works)
#   WINDOWS_CERTIFICATE_PFX         base64 of a .pfx, with WINDOWS_CERTIFICATE_PASSWORD: imported
#                                   into Cert:\CurrentUser\My from memory (never written to disk,
#                                   the password never on a command line)
#   WINDOWS_TIMESTAMP_URL           RFC 3161 time-stamp server (default DigiCert's)
# SignTool (Windows SDK) signs the app's own mail-setup-wizard.exe and -cli.exe here, before
# Inno packs them; Inno's SignTool directive then signs the setup and its uninstaller.
param(
    [string]$Python = ".venv\Scripts\python.exe",
    [switch]$SkipInstaller,
    [switch]$RequireSigning,
    [Parameter(ValueFromRemainingArguments = $true)][string[]]$BuildArgs
)
$ErrorActionPreference = "Stop"
Set-StrictMode -Version Latest
Set-Location (Join-Path $PSScriptRoot "..\..")
if (-not (Test-Path $Python)) { $Python = "python" }

function Invoke-Checked([string]$Exe, [string[]]$Arguments) {
    & $Exe @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Exe $Arguments exited with $LASTEXITCODE" }
}

# A native command's standard output, failing the build when it fails (PowerShell itself
# does not look at $LASTEXITCODE).
function Get-CheckedOutput([string]$Exe, [string[]]$Arguments) {
    $out = & $Exe @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Exe $Arguments exited with $LASTEXITCODE" }
    return (($out | Out-String).Trim())
}

function Find-Iscc {
    $onPath = Get-Command iscc.exe -ErrorAction SilentlyContinue
    if ($onPath) { return $onPath.Source }
    # Inno Setup 6 installs 32-bit into Program Files (x86); 7 may go to Program Files. A
    # per-user install (winget --scope user) lands under %LOCALAPPDATA%\Programs.
    $roots = @(${env:ProgramFiles(x86)}, $env:ProgramFiles, (Join-Path $env:LOCALAPPDATA "Programs")) |
        Where-Object { $_ }
    foreach ($major in 7, 6) {
        foreach ($root in $roots) {
            $candidate = Join-Path $root "Inno Setup $major\ISCC.exe"
            if (Test-Path $candidate) { return $candidate }
        }
    }
    throw "Inno Setup 6 or 7 not found (winget install JRSoftware.InnoSetup)"
}

function Find-SignTool {
    $onPath = Get-Command signtool.exe -ErrorAction SilentlyContinue
    if ($onPath) { return $onPath.Source }
    $kits = Join-Path ${env:ProgramFiles(x86)} "Windows Kits\10\bin"
    $found = Get-ChildItem -Path $kits -Filter signtool.exe -Recurse -ErrorAction SilentlyContinue |
        Where-Object { $_.Directory.Name -eq "x64" } |
        Sort-Object { if ($_.Directory.Parent.Name -match '^\d+(\.\d+)+$') { [version]$_.Directory.Parent.Name } else { [version]"0.0" } } -Descending |
        Select-Object -First 1
    if (-not $found) { throw "signtool.exe not found (install the Windows SDK's signing tools)" }
    return $found.FullName
}

# The thumbprint to sign with, or $null when no signing credentials are set.
function Get-SigningThumbprint {
    if ($env:WINDOWS_SIGN_CERT_SHA1) { return $env:WINDOWS_SIGN_CERT_SHA1 }
    if (-not $env:WINDOWS_CERTIFICATE_PFX) { return $null }
    if (-not $env:WINDOWS_CERTIFICATE_PASSWORD) { throw "WINDOWS_CERTIFICATE_PFX is set without WINDOWS_CERTIFICATE_PASSWORD" }
    $bytes = [Convert]::FromBase64String($env:WINDOWS_CERTIFICATE_PFX)
    $secret = ConvertTo-SecureString -String $env:WINDOWS_CERTIFICATE_PASSWORD -AsPlainText -Force
    $flags = [Security.Cryptography.X509Certificates.X509KeyStorageFlags]"UserKeySet,PersistKeySet"
    $cert = [Security.Cryptography.X509Certificates.X509Certificate2]::new($bytes, $secret, $flags)
    $store = [Security.Cryptography.X509Certificates.X509Store]::new("My", "CurrentUser")
    $store.Open("ReadWrite")
    $store.Add($cert)
    $store.Close()
    return $cert.Thumbprint
}

$thumbprint = Get-SigningThumbprint
if (-not $thumbprint -and $RequireSigning) {
    throw "Signing is required (tagged release) but no credentials are set: WINDOWS_SIGN_CERT_SHA1, or WINDOWS_CERTIFICATE_PFX + WINDOWS_CERTIFICATE_PASSWORD"
}
$timestamp = if ($env:WINDOWS_TIMESTAMP_URL) { $env:WINDOWS_TIMESTAMP_URL } else { "http://timestamp.digicert.com" }

Write-Host "== PyInstaller"
$buildCmd = @("packaging\build.py", "--archive", "--json", "dist\build-report.json")
if ($BuildArgs) { $buildCmd += $BuildArgs }
Invoke-Checked $Python $buildCmd
$onedir = "dist\mail-setup-wizard"
$exes = @("$onedir\mail-setup-wizard.exe", "$onedir\mail-setup-wizard-cli.exe")

if ($thumbprint) {
    Write-Host "== Authenticode: the app's own executables"
    $signtool = Find-SignTool
    Invoke-Checked $signtool (@("sign", "/sha1", $thumbprint, "/fd", "sha256", "/tr", $timestamp, "/td", "sha256", "/d", "Mail Setup Wizard") + $exes)
    Invoke-Checked $signtool (@("verify", "/pa") + $exes)
} else {
    Write-Host "== not signed: no WINDOWS_SIGN_CERT_SHA1 or WINDOWS_CERTIFICATE_PFX (SmartScreen will warn)"
}

Write-Host "== bundle check: every DLL import resolves, version resources are numeric"
Invoke-Checked $Python @("packaging\bundle_check.py", "windows", $onedir)

Write-Host "== smoke test (console twin: the GUI .exe has no console to print to)"
$cli = $exes[1]
$env:QT_QPA_PLATFORM = "offscreen"
Invoke-Checked $cli @("--version")
Invoke-Checked $cli @("--selftest")
Remove-Item Env:QT_QPA_PLATFORM

if ($SkipInstaller) { exit 0 }

Write-Host "== Inno Setup"
$readVersion = "import sys; sys.path.insert(0, 'packaging'); import bundle_config as c; v = c.read_version()"
$version = Get-CheckedOutput $Python @("-c", "$readVersion; print(v)")
$numeric = Get-CheckedOutput $Python @("-c", "$readVersion; print('.'.join(map(str, c.version_tuple(v))))")
$iscc = Find-Iscc
Write-Host "   $iscc"
$isccArgs = @("/Qp", "/DAppVersion=$version", "/DNumericVersion=$numeric")
if ($thumbprint) {
    # Inno's own syntax: $q is a double quote, $f the file to sign (quoted by Inno).
    $signCommand = '$q' + (Find-SignTool) + '$q sign /sha1 ' + $thumbprint + ' /fd sha256 /tr ' + $timestamp + ' /td sha256 /d $qMail Setup Wizard$q $f'
    $isccArgs += @("/Ssigntool=$signCommand", "/DSign=1")
}
Invoke-Checked $iscc ($isccArgs + @("packaging\windows\installer.iss"))
$setup = Get-ChildItem dist\*-setup.exe
if ($thumbprint) { Invoke-Checked (Find-SignTool) (@("verify", "/pa") + @($setup.FullName)) }
$setup | ForEach-Object { "{0}  {1:N1} MiB" -f $_.Name, ($_.Length / 1MB) }
