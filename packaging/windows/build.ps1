# Build the Windows onedir (GUI + console .exe), smoke-test it, then the Inno Setup installer.
#
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1 [-Python python] [-SkipInstaller]
#
# Needs Inno Setup 6 (iscc.exe on PATH or in its default folder): winget install JRSoftware.InnoSetup
# or choco install innosetup. Output: dist\mail-setup-wizard\ and dist\MailSetupWizard-<v>-windows-x64-setup.exe
param(
    [string]$Python = ".venv\Scripts\python.exe",
    [switch]$SkipInstaller,
    [Parameter(ValueFromRemainingArguments = $true)][string[]]$BuildArgs
)
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")
if (-not (Test-Path $Python)) { $Python = "python" }

function Invoke-Checked([string]$Exe, [string[]]$Arguments) {
    & $Exe @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Exe $Arguments exited with $LASTEXITCODE" }
}

Write-Host "== PyInstaller"
$buildCmd = @("packaging\build.py", "--archive", "--json", "dist\build-report.json")
if ($BuildArgs) { $buildCmd += $BuildArgs }
Invoke-Checked $Python $buildCmd

Write-Host "== smoke test (console twin: the GUI .exe has no console to print to)"
$cli = "dist\mail-setup-wizard\mail-setup-wizard-cli.exe"
$env:QT_QPA_PLATFORM = "offscreen"
Invoke-Checked $cli @("--version")
Invoke-Checked $cli @("--selftest")
Remove-Item Env:QT_QPA_PLATFORM

if ($SkipInstaller) { exit 0 }

Write-Host "== Inno Setup"
$version = (& $Python -c "import sys; sys.path.insert(0, 'packaging'); import bundle_config as c; print(c.read_version())").Trim()
$numeric = (& $Python -c "import sys; sys.path.insert(0, 'packaging'); import bundle_config as c; print('.'.join(map(str, c.version_tuple(c.read_version()))))").Trim()
$iscc = Get-Command iscc.exe -ErrorAction SilentlyContinue
if ($iscc) { $iscc = $iscc.Source } else { $iscc = Join-Path ${env:ProgramFiles(x86)} "Inno Setup 6\ISCC.exe" }
if (-not (Test-Path $iscc)) { throw "Inno Setup 6 not found (winget install JRSoftware.InnoSetup)" }
Invoke-Checked $iscc @("/Qp", "/DAppVersion=$version", "/DNumericVersion=$numeric", "packaging\windows\installer.iss")
Get-ChildItem dist\*-setup.exe | ForEach-Object { "{0}  {1:N1} MiB" -f $_.Name, ($_.Length / 1MB) }
