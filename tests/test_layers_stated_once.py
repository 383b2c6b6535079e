"""The layers are stated once: the import-linter contract in pyproject.toml, and the picture in
docs/architecture.md and the README's code map say the same thing (the contract is the source)."""

import re
import tomllib

from tests.conftest import ROOT


def _contract_layers() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    layered = next(c for c in config["contracts"] if c["type"] == "layers")
    return layered["layers"]


def test_the_architecture_page_states_the_contracts_layers():
    text = (ROOT / "docs" / "architecture.md").read_text()
    block = re.search(r"## Layers\n\n```\n(.*?)\n", text).group(1)
    stated = [part.strip() for part in block.split("->")]
    assert stated == [layer.replace(" | ", " | ") for layer in _contract_layers()], (
        "docs/architecture.md's layer line must be the import-linter contract's list: "
        + " -> ".join(_contract_layers())
    )


def test_every_layer_has_a_room_in_the_readme_code_map_and_the_page():
    readme = (ROOT / "README.md").read_text()
    page = (ROOT / "docs" / "architecture.md").read_text()
    for layer in _contract_layers():
        for package in (p.strip() for p in layer.split("|")):
            assert (ROOT / "sandbox" / package).is_dir(), package
            assert f"sandbox/{package}/" in readme, f"the README's code map lacks {package}/"
            assert f"**{package}/**" in page, f"docs/architecture.md lacks a {package}/ entry"


def test_every_package_of_the_sandbox_is_a_layer_of_the_map():
    layered = {p.strip() for layer in _contract_layers() for p in layer.split("|")}
    packages = {p.parent.name for p in (ROOT / "sandbox").glob("*/__init__.py")}
    assert packages == layered, (
        "a room outside the map (or a layer without a room): "
        f"{sorted(packages ^ layered)}; add it to the contract in pyproject.toml"
    )
