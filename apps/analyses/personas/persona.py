"""A persona: who reviews the site, with what goal, on what device and with what needs."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

from apps.analyses.personas.thresholds import DEFAULT_NETWORK


@dataclass(frozen=True)
class Persona:
    role: str
    experience_level: str  # novice / intermediate / expert
    primary_goal: str
    context: str = ""
    device: str = "desktop"  # mobile / tablet / desktop
    connection: str = ""  # a thresholds.NETWORKS name; "" = the device's default
    needs: tuple[str, ...] = ()  # thresholds.NEEDS, sorted
    language: str = ""  # the reader's language (ISO 639-1), "" = the site's
    notes: str = ""  # anything else the template said, kept verbatim

    @property
    def network(self) -> str:
        return self.connection or DEFAULT_NETWORK[self.device]

    def with_(self, **changes) -> Persona:
        if "needs" in changes:
            changes["needs"] = tuple(sorted(set(changes["needs"])))
        return replace(self, **changes)

    def as_dict(self) -> dict:
        """The persona in the API's shape (`additional_details` nested)."""
        data = asdict(self)
        details = {key: data.pop(key) for key in ("device", "connection", "needs", "language",
                                                  "notes")}
        details["connection"] = self.network
        details["accessibility_needs"] = list(details.pop("needs"))
        return {**data, "additional_details": details}

    @classmethod
    def from_dict(cls, data: dict) -> Persona:
        """From the validated API shape (see apps.analyses.options.PersonaSerializer)."""
        details = data.get("additional_details") or {}
        return cls(
            role=data["role"], experience_level=data["experience_level"],
            primary_goal=data["primary_goal"], context=data.get("context", ""),
            device=details.get("device") or "desktop",
            connection=details.get("connection") or "",
            needs=tuple(sorted(set(details.get("accessibility_needs") or ()))),
            language=details.get("language") or "", notes=details.get("notes") or "",
        )


@dataclass(frozen=True)
class Member:
    """One member of a focus group: its persona and how it differs from the template."""

    index: int
    persona: Persona
    varied: dict[str, str] = field(default_factory=dict)  # axis -> value, {} for the template
