"""Finding the user's Thunderbird profiles and the one Thunderbird itself would open.

``profiles.ini`` lists the profiles. Since Firefox/Thunderbird 67 each installation records the
profile it uses in an ``[Install<hash>]`` section (``Default=`` holds that profile's ``Path``
value); older files, or profiles never tied to an installation, mark the default with
``Default=1`` in the ``[Profile<n>]`` section. ``IsRelative=1`` paths are relative to the folder
holding ``profiles.ini`` and always use ``/``.

We return every existing profile and mark one as preferred; the person chooses in the end (GUI
list, CLI ``--profile``), because only they know which Thunderbird they actually use.
"""

from __future__ import annotations

import configparser
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from wizard.clients.thunderbird.locations import Base, thunderbird_bases

INSTALL_HINT = (
    "Install Thunderbird and start it once (you can close its own account setup), then try "
    "again. Or set up the account by hand with the settings table."
)


class SearchStatus(enum.StrEnum):
    FOUND = "found"
    NO_THUNDERBIRD = "no_thunderbird"  # none of the Thunderbird folders exists
    NO_PROFILE = "no_profile"  # a Thunderbird folder exists but lists no usable profile


@dataclass(frozen=True)
class ThunderbirdProfile:
    path: Path
    name: str
    base: Path
    base_label: str = "Thunderbird"
    preferred: bool = False
    install_default: bool = False  # an [Install…] section's Default= points here
    marked_default: bool = False  # Default=1 in its [Profile…] section
    # prefs.js is missing in a profile Thunderbird created but never started.
    has_prefs: bool = False
    last_used: float = 0.0  # mtime of prefs.js, else of the folder; for ranking only
    # An absolute Path= pointing outside every Thunderbird folder (another disk, a shared or
    # planted folder): listed and named as such, never picked as the default on its own.
    outside: bool = False

    @property
    def label(self) -> str:
        """What a list shows: the profile name, the packaging, and the folder."""
        where = f" – {self.base_label}" if self.base_label != "Thunderbird" else ""
        if self.outside:
            return f"{self.name}{where} (outside Thunderbird's folders: {self.path})"
        return f"{self.name}{where} ({self.path})"


@dataclass(frozen=True)
class ProfileSearch:
    status: SearchStatus
    profiles: tuple[ThunderbirdProfile, ...]  # preferred first
    searched: tuple[Path, ...]
    message: str
    problems: tuple[str, ...] = field(default=())

    @property
    def found(self) -> bool:
        return self.status is SearchStatus.FOUND

    @property
    def preferred(self) -> ThunderbirdProfile | None:
        return next((p for p in self.profiles if p.preferred), None)


@dataclass
class _Section:
    name: str
    path: str
    is_relative: bool
    default: bool


def find_profiles(
    *,
    home: Path | None = None,
    appdata: Path | None = None,
    platform: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> ProfileSearch:
    """All Thunderbird profiles of this user, the preferred one marked and listed first."""
    bases = thunderbird_bases(home=home, appdata=appdata, platform=platform, environ=environ)
    existing = [b for b in bases if b.path.is_dir()]
    searched = tuple(b.path for b in bases)
    if not existing:
        return ProfileSearch(
            SearchStatus.NO_THUNDERBIRD,
            (),
            searched,
            "Thunderbird does not seem to be set up for this user: none of these folders "
            "exists: " + ", ".join(str(p) for p in searched) + ". " + INSTALL_HINT,
        )
    problems: list[str] = []
    per_base: list[list[ThunderbirdProfile]] = []
    for base in existing:
        profiles, problem = _profiles_in(base)
        if problem:
            problems.append(problem)
        if profiles:
            per_base.append(profiles)
    if not per_base:
        detail = (" " + " ".join(problems)) if problems else ""
        return ProfileSearch(
            SearchStatus.NO_PROFILE,
            (),
            searched,
            "Thunderbird is installed but has no profile yet." + detail + " " + INSTALL_HINT,
            tuple(problems),
        )
    # Each folder (packaging) has its own favourite; across packagings the one used most
    # recently wins, which picks the Snap profile for someone who moved from the .deb to it.
    inside = [[p for p in profiles if not p.outside] for profiles in per_base]
    favourites = [_favourite(profiles) for profiles in inside if profiles]
    outside = [p for profiles in per_base for p in profiles if p.outside]
    for p in outside:
        problems.append(
            f"profiles.ini names the profile {p.name!r} at {p.path}, outside Thunderbird's "
            "folders; it is listed but not used unless you choose it."
        )
    if not favourites:
        return ProfileSearch(
            SearchStatus.FOUND,
            tuple(outside),
            searched,
            "Thunderbird's only profiles are outside its own folders: "
            + ", ".join(str(p.path) for p in outside)
            + ". Choose one yourself if it is really yours.",
            tuple(problems),
        )
    winner = max(favourites, key=lambda p: p.last_used)
    ordered = [replace(winner, preferred=True)]
    ordered += [p for profiles in inside for p in profiles if p.path != winner.path]
    ordered += outside
    count = len(ordered)
    message = (
        f"Found Thunderbird profile {winner.name!r} at {winner.path}."
        if count == 1
        else f"Found {count} Thunderbird profiles; {winner.name!r} at {winner.path} "
        "is the one Thunderbird opens by default."
    )
    return ProfileSearch(SearchStatus.FOUND, tuple(ordered), searched, message, tuple(problems))


def _profiles_in(base: Base) -> tuple[list[ThunderbirdProfile], str | None]:
    ini = base.path / "profiles.ini"
    try:
        raw = ini.read_bytes()
    except FileNotFoundError:
        return [], None
    except OSError as exc:
        return [], f"Cannot read {ini}: {exc.strerror or exc}."
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    try:
        parser.read_string(raw.decode("utf-8", "surrogateescape"), source=str(ini))
    except configparser.Error as exc:
        return [], f"{ini} cannot be read ({exc.__class__.__name__})."
    sections: list[_Section] = []
    install_defaults: list[str] = []
    for name in parser.sections():
        section = parser[name]
        if name.lower().startswith("install") and section.get("default"):
            install_defaults.append(section["default"])
        elif name.lower().startswith("profile") and section.get("path"):
            sections.append(
                _Section(
                    name=section.get("name", "") or name,
                    path=section["path"],
                    is_relative=section.get("isrelative", "1").strip() == "1",
                    default=section.get("default", "0").strip() == "1",
                )
            )
    install_keys = {_normalise(v) for v in install_defaults}
    profiles: list[ThunderbirdProfile] = []
    for s in sections:
        path = _resolve(base.path, s.path, s.is_relative)
        if not path.is_dir():
            continue
        profiles.append(
            _describe(
                path,
                s.name,
                base,
                install_default=_normalise(s.path) in install_keys,
                marked_default=s.default,
                outside=not _within(path, base.path),
            )
        )
    # An [Install…] Default= that matches no [Profile…] section still names a profile folder.
    known = {p.path for p in profiles}
    for value in install_defaults:
        path = _resolve(base.path, value, not Path(value).is_absolute())
        if path.is_dir() and path not in known:
            outside = not _within(path, base.path)
            profiles.append(_describe(path, path.name, base, install_default=True, outside=outside))
            known.add(path)
    if not profiles and sections:
        return [], f"{ini} lists profiles, but none of their folders exists."
    return profiles, None


def _describe(
    path: Path,
    name: str,
    base: Base,
    *,
    install_default: bool = False,
    marked_default: bool = False,
    outside: bool = False,
) -> ThunderbirdProfile:
    prefs = path / "prefs.js"
    try:
        last_used = prefs.stat().st_mtime
        has_prefs = True
    except OSError:
        has_prefs = False
        try:
            last_used = path.stat().st_mtime
        except OSError:
            last_used = 0.0
    return ThunderbirdProfile(
        path=path,
        name=name,
        base=base.path,
        base_label=base.label,
        install_default=install_default,
        marked_default=marked_default,
        has_prefs=has_prefs,
        last_used=last_used,
        outside=outside,
    )


def _favourite(profiles: list[ThunderbirdProfile]) -> ThunderbirdProfile:
    """Thunderbird's own order: the installation's default, then Default=1, then recency."""
    for wanted in (
        [p for p in profiles if p.install_default],
        [p for p in profiles if p.marked_default],
        profiles,
    ):
        if wanted:
            return max(wanted, key=lambda p: p.last_used)
    raise ValueError("no profiles")  # pragma: no cover - callers pass a non-empty list


def _resolve(base: Path, value: str, relative: bool) -> Path:
    if relative:
        return base.joinpath(*[part for part in value.replace("\\", "/").split("/") if part])
    return Path(value)


def _within(path: Path, base: Path) -> bool:
    """Whether ``path`` really lies in ``base`` (links and ``..`` resolved first)."""
    try:
        return path.resolve().is_relative_to(base.resolve())
    except OSError:
        return False


def _normalise(value: str) -> str:
    return value.replace("\\", "/").strip().rstrip("/")
