"""French territory codes (INSEE) shared by every service."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from contracts.text import ONE_LINE

#: INSEE commune code: 5 digits, Corsica 2A/2B + 3 digits, overseas 97x + 2 digits.
CommuneInsee = Annotated[str, StringConstraints(pattern=r"^(?:\d{5}|2[AB]\d{3})$")]
#: Département: 01-95, 2A, 2B, overseas 971-976.
Department = Annotated[
    str, StringConstraints(pattern=r"^(?:0[1-9]|[1-8]\d|9[0-5]|2[AB]|97[1-46])$")
]
#: INSEE region code, two digits (e.g. 76 Occitanie).
Region = Annotated[str, StringConstraints(pattern=r"^\d{2}$")]
#: How precise a place's coordinates are: its own (``address``) or its commune's centre.
GeoPrecision = Literal["address", "street", "commune"]
GEO_PRECISION_DESCRIPTION = (
    "`address`: the coordinates were given, or geocoded to the house number by the national "
    "address base (BAN, when the operator turned it on); `street`: geocoded to the street or "
    "the locality only; `commune`: none were, so the place is shown at its commune's centre "
    "(the town hall)."
)
#: French postcode, five digits.
Postcode = Annotated[str, StringConstraints(pattern=r"^\d{5}$")]

#: INSEE region of each département (regions as of 2016), the reference data for roll-ups.
REGION_OF_DEPARTMENT: dict[str, str] = {
    **dict.fromkeys(["01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74"], "84"),
    **dict.fromkeys(["21", "25", "39", "58", "70", "71", "89", "90"], "27"),
    **dict.fromkeys(["22", "29", "35", "56"], "53"),
    **dict.fromkeys(["18", "28", "36", "37", "41", "45"], "24"),
    **dict.fromkeys(["2A", "2B"], "94"),
    **dict.fromkeys(["08", "10", "51", "52", "54", "55", "57", "67", "68", "88"], "44"),
    **dict.fromkeys(["02", "59", "60", "62", "80"], "32"),
    **dict.fromkeys(["75", "77", "78", "91", "92", "93", "94", "95"], "11"),
    **dict.fromkeys(["14", "27", "50", "61", "76"], "28"),
    **dict.fromkeys(["16", "17", "19", "23", "24", "33", "40", "47", "64", "79", "86", "87"], "75"),
    **dict.fromkeys(
        ["09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82"], "76"
    ),
    **dict.fromkeys(["44", "49", "53", "72", "85"], "52"),
    **dict.fromkeys(["04", "05", "06", "13", "83", "84"], "93"),
    "971": "01",
    "972": "02",
    "973": "03",
    "974": "04",
    "976": "06",
}

REGION_NAMES: dict[str, str] = {
    "01": "Guadeloupe",
    "02": "Martinique",
    "03": "Guyane",
    "04": "La Réunion",
    "06": "Mayotte",
    "11": "Île-de-France",
    "24": "Centre-Val de Loire",
    "27": "Bourgogne-Franche-Comté",
    "28": "Normandie",
    "32": "Hauts-de-France",
    "44": "Grand Est",
    "52": "Pays de la Loire",
    "53": "Bretagne",
    "75": "Nouvelle-Aquitaine",
    "76": "Occitanie",
    "84": "Auvergne-Rhône-Alpes",
    "93": "Provence-Alpes-Côte d'Azur",
    "94": "Corse",
}

#: Names of the départements (INSEE Code officiel géographique 2026).
DEPARTMENT_NAMES: dict[str, str] = {
    "01": "Ain",
    "02": "Aisne",
    "03": "Allier",
    "04": "Alpes-de-Haute-Provence",
    "05": "Hautes-Alpes",
    "06": "Alpes-Maritimes",
    "07": "Ardèche",
    "08": "Ardennes",
    "09": "Ariège",
    "10": "Aube",
    "11": "Aude",
    "12": "Aveyron",
    "13": "Bouches-du-Rhône",
    "14": "Calvados",
    "15": "Cantal",
    "16": "Charente",
    "17": "Charente-Maritime",
    "18": "Cher",
    "19": "Corrèze",
    "21": "Côte-d'Or",
    "22": "Côtes-d'Armor",
    "23": "Creuse",
    "24": "Dordogne",
    "25": "Doubs",
    "26": "Drôme",
    "27": "Eure",
    "28": "Eure-et-Loir",
    "29": "Finistère",
    "2A": "Corse-du-Sud",
    "2B": "Haute-Corse",
    "30": "Gard",
    "31": "Haute-Garonne",
    "32": "Gers",
    "33": "Gironde",
    "34": "Hérault",
    "35": "Ille-et-Vilaine",
    "36": "Indre",
    "37": "Indre-et-Loire",
    "38": "Isère",
    "39": "Jura",
    "40": "Landes",
    "41": "Loir-et-Cher",
    "42": "Loire",
    "43": "Haute-Loire",
    "44": "Loire-Atlantique",
    "45": "Loiret",
    "46": "Lot",
    "47": "Lot-et-Garonne",
    "48": "Lozère",
    "49": "Maine-et-Loire",
    "50": "Manche",
    "51": "Marne",
    "52": "Haute-Marne",
    "53": "Mayenne",
    "54": "Meurthe-et-Moselle",
    "55": "Meuse",
    "56": "Morbihan",
    "57": "Moselle",
    "58": "Nièvre",
    "59": "Nord",
    "60": "Oise",
    "61": "Orne",
    "62": "Pas-de-Calais",
    "63": "Puy-de-Dôme",
    "64": "Pyrénées-Atlantiques",
    "65": "Hautes-Pyrénées",
    "66": "Pyrénées-Orientales",
    "67": "Bas-Rhin",
    "68": "Haut-Rhin",
    "69": "Rhône",
    "70": "Haute-Saône",
    "71": "Saône-et-Loire",
    "72": "Sarthe",
    "73": "Savoie",
    "74": "Haute-Savoie",
    "75": "Paris",
    "76": "Seine-Maritime",
    "77": "Seine-et-Marne",
    "78": "Yvelines",
    "79": "Deux-Sèvres",
    "80": "Somme",
    "81": "Tarn",
    "82": "Tarn-et-Garonne",
    "83": "Var",
    "84": "Vaucluse",
    "85": "Vendée",
    "86": "Vienne",
    "87": "Haute-Vienne",
    "88": "Vosges",
    "89": "Yonne",
    "90": "Territoire de Belfort",
    "91": "Essonne",
    "92": "Hauts-de-Seine",
    "93": "Seine-Saint-Denis",
    "94": "Val-de-Marne",
    "95": "Val-d'Oise",
    "971": "Guadeloupe",
    "972": "Martinique",
    "973": "Guyane",
    "974": "La Réunion",
    "976": "Mayotte",
}


def department_of_commune(commune_insee: str) -> str:
    """The département a commune code belongs to (``97`` codes use three characters)."""
    return commune_insee[:3] if commune_insee.startswith("97") else commune_insee[:2]


class Territory(BaseModel):
    """Commune, département and région that agree with each other.

    The département is derived from the commune and the région from the département when
    missing; a contradiction is reported on the field at fault.
    """

    model_config = ConfigDict(extra="forbid")

    commune_insee: CommuneInsee | None = None
    department: Department | None = None
    region: Region | None = None

    @field_validator("department")
    @classmethod
    def _department_matches_commune(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        if value not in REGION_OF_DEPARTMENT:
            raise ValueError(f"unknown département {value}")
        commune = info.data.get("commune_insee")
        if commune and department_of_commune(commune) != value:
            raise ValueError(
                f"département {value} does not match commune {commune} "
                f"(which is in {department_of_commune(commune)})"
            )
        return value

    @field_validator("region")
    @classmethod
    def _region_matches_department(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        commune = info.data.get("commune_insee")
        department = info.data.get("department") or (
            department_of_commune(commune) if commune else None
        )
        expected = REGION_OF_DEPARTMENT.get(department) if department else None
        if expected and expected != value:
            raise ValueError(
                f"région {value} does not match département {department} (région {expected})"
            )
        return value

    @model_validator(mode="after")
    def _derive(self) -> Territory:
        if self.commune_insee and not self.department:
            self.department = department_of_commune(self.commune_insee)
        if self.department and not self.region:
            self.region = REGION_OF_DEPARTMENT.get(self.department)
        return self


def placed(territory: Territory) -> None:
    """Give a place (an actor's address, an event's location: a :class:`Territory` with
    ``postcode``, ``city``, ``lat``, ``lon`` and ``geo_precision``) its map position: its
    commune's centre when it has no coordinates (contracts.communes.place). Changes it."""
    from contracts.communes import place  # noqa: PLC0415 (the table loads on first use)

    values = territory.__dict__
    placement = place(
        commune_insee=territory.commune_insee,
        postcode=values.get("postcode"),
        city=values.get("city"),
        lat=values.get("lat"),
        lon=values.get("lon"),
        geo_precision=values.get("geo_precision"),
    )
    values.update(lat=placement.lat, lon=placement.lon, geo_precision=placement.geo_precision)
    if placement.commune_insee and not territory.commune_insee:
        found_department = department_of_commune(placement.commune_insee)
        if territory.department and territory.department != found_department:
            # The city names a commune elsewhere than the département given: no guess.
            values.update(lat=None, lon=None, geo_precision=None)
            return
        values["commune_insee"] = placement.commune_insee
        values["department"] = territory.department or department_of_commune(
            placement.commune_insee
        )
        values["region"] = territory.region or REGION_OF_DEPARTMENT.get(values["department"])


def existing_commune(code: str | None) -> str | None:
    """A commune code written by a caller must name a commune of the official geographic
    code shipped with the code (``contracts.communes``); a field validator."""
    from contracts.communes import COG_VINTAGE, commune  # noqa: PLC0415 (loads on first use)

    if code is not None and commune(code) is None:
        raise ValueError(
            f"no commune has the code {code} in the official geographic code ({COG_VINTAGE})"
        )
    return code


def postcode_of_commune(postcode: str | None, info: ValidationInfo) -> str | None:
    """A postcode written beside a commune code must be one of that commune's; a field
    validator of a model whose ``commune_insee`` is declared before ``postcode`` (a commune
    code already refused is not checked against)."""
    from contracts.communes import commune  # noqa: PLC0415 (loads on first use)

    code = info.data.get("commune_insee")
    found = commune(code) if postcode and code else None
    if found is not None and found.postcodes and postcode not in found.postcodes:
        raise ValueError(
            f"postcode {postcode} is not one of commune {code} ({found.name}): "
            f"{', '.join(found.postcodes)}"
        )
    return postcode


def at_geocoded_point(place: Territory, *, lat: float, lon: float, precision: str) -> None:
    """Put a place written without coordinates of its own at the point the address base
    found for its street (``kit.geocoding``); a place with its own coordinates keeps them.
    Changes it."""
    values = place.__dict__
    if values.get("geo_precision") not in (None, "commune"):
        return
    values.update(lat=lat, lon=lon, geo_precision=precision)


class Place(Territory):
    """Where something is, as every service writes it (an actor's address, an event's
    location): street, postcode, city and coordinates over its territory, put on the map
    (:func:`placed`) once validated."""

    street: Annotated[str, Field(max_length=300), ONE_LINE] | None = None
    postcode: Postcode | None = None
    city: Annotated[str, Field(max_length=200), ONE_LINE] | None = None
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None
    geo_precision: GeoPrecision | None = Field(None, description=GEO_PRECISION_DESCRIPTION)

    @model_validator(mode="after")
    def _on_the_map(self) -> Place:
        placed(self)
        return self


class WrittenPlace(BaseModel):
    """What a place written by a caller meets beside its model (mixed into the input models:
    ``AddressIn``, ``LocationIn``): its commune code names a commune of the official
    geographic code, and its postcode is one of that commune's. Reads and events keep the
    plain model, which records stored before the check may not meet."""

    @field_validator("commune_insee", check_fields=False)
    @classmethod
    def _commune_exists(cls, value: str | None) -> str | None:
        return existing_commune(value)

    @field_validator("postcode", check_fields=False)
    @classmethod
    def _postcode_of_commune(cls, value: str | None, info: ValidationInfo) -> str | None:
        return postcode_of_commune(value, info)
