"""The configuration tree (SPEC 1, 2): loading, inheritance, references, lazy
creation, controllers, user classes, and one test per configuration error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

from bliss_lite.config import (
    ClassEntry,
    Config,
    ConfigError,
    ConfigNode,
    UnknownObjectError,
    demo_root,
    find_root,
)

BEAMLINES = Path(__file__).resolve().parent / "beamlines"
TREE = BEAMLINES / "config_tree"
ERRORS = BEAMLINES / "config_errors"


# -- small device classes registered by the tests -----------------------------------------

class Thing:
    """A generic object: resolves its references, counts its creations."""

    created: list[str] = []

    def __init__(self, name: str | None, node: ConfigNode, config: Config) -> None:
        Thing.created.append(name or "?")
        self.name = name
        self.node = node
        self.target = config.resolve(node.get("target"), node, "target")
        self.targets = config.resolve(node.get("targets", []), node, "targets")
        self.attribute = config.resolve(node.get("attribute"), node, "attribute")
        self.velocity = node.get_typed("velocity", float, 1.0)


class Motorish:
    """Reads its keys the way device factories do: require / get_typed / check_keys."""

    def __init__(self, name: str | None, node: ConfigNode, config: Config) -> None:
        self.name = name
        for text in node.check_keys(["name", "class", "steps_per_unit", "velocity", "acceleration"],
                                    accepted=["backlash", "user_tag", "encoder", "dataset_metadata"]):
            config.warn(text)
        self.steps_per_unit = node.require("steps_per_unit", float)
        self.velocity = node.get_typed("velocity", float, 1.0)


class FakeAxis:
    def __init__(self, name: str, node: ConfigNode, controller: "FakeController") -> None:
        self.name = name
        self.node = node
        self.controller = controller


class FakeController:
    """A controller: named children come from ``get_child``."""

    created: list["FakeController"] = []

    def __init__(self, name: str | None, node: ConfigNode, config: Config) -> None:
        FakeController.created.append(self)
        self.name = name
        self.node = node

    def get_child(self, name: str) -> Any:
        for key in ("axes", "encoders"):
            for item in self.node.get(key, []):
                if item.get("name") == name:
                    return FakeAxis(name, item, self)
        raise KeyError(name)


def _diode(name: str | None, node: ConfigNode, config: Config) -> Thing:
    return Thing(name, node, config)


CLASSES = {
    "thing": ClassEntry(Thing),
    "motorish": ClassEntry(Motorish),
    "fakectrl": ClassEntry(FakeController, controller=True),
    "simulation_diode": ClassEntry(_diode),
    "SimulationCounter": ClassEntry(_diode),
}


@pytest.fixture(autouse=True)
def _reset_counters() -> Iterator[None]:
    Thing.created.clear()
    FakeController.created.clear()
    yield
    for module in ("user_devices", "error_devices"):   # the test beamlines' user modules
        sys.modules.pop(module, None)


@pytest.fixture
def tree() -> Config:
    return Config(TREE, CLASSES)


@pytest.fixture
def errors() -> Config:
    return Config(ERRORS, CLASSES)


def _raises(cfg: Config, name: str) -> str:
    with pytest.raises(ConfigError) as info:
        cfg.get(name)
    return str(info.value)


# -- the tree -----------------------------------------------------------------------------

def test_normal_layout_names_in_file_order(tree: Config) -> None:
    assert not tree.beacon_mode
    assert tree.root == TREE.resolve()
    # a folder's files come before its sub-folders, each sorted by name
    assert tree.names == ["c1", "c2", "widget", "nested_holder", "deep_counter", "refs",
                          "m1", "m2", "m1enc", "ctrl2", "m3", "calc1", "hook0", "group1"]
    assert list(tree.sessions) == ["demo", "other"]
    assert tree.sessions["demo"]["config-objects"] == ["c1", "m1"]
    assert tree.load_errors == [] and tree.warnings == []
    assert tree.root_settings == {"synchrotron": "TEST", "colour": "red", "plugin": "bliss"}
    assert "c1" in tree and "demo" not in tree


def test_nodes_know_file_line_and_parent(tree: Config) -> None:
    node = tree.get_config("m2")
    assert node.filename == "config/motors/controllers.yml"
    assert node.line == 6 and node.line_of("velocity") == 8
    assert node.parent["class"] == "fakectrl" and node.parent.line == 2
    assert tree.get_config("$m2") is node


def test_init_yml_defaults_own_key_wins(tree: Config) -> None:
    c1, c2 = tree.get_config("c1"), tree.get_config("c2")
    assert c1["colour"] == "red" and c1["plugin"] == "bliss" and c1["synchrotron"] == "TEST"
    assert c2["colour"] == "blue" and "colour" not in c2.inherited
    assert c1.inherited == {"colour", "plugin", "synchrotron"}
    # a deeper __init__.yml wins over a shallower one, for objects and controllers
    assert tree.get_config("m1")["plugin"] == "emotion"
    assert tree.get_config("m1").parent["plugin"] == "emotion"
    assert tree.get_config("refs")["colour"] == "red"   # two folders below
    # config/__init__.yml does not reach sessions/, and sessions keep their own keys
    assert "colour" not in tree.get_config("group1")
    assert "plugin" not in tree.sessions["demo"]


def test_objects_are_created_lazily_and_once(tree: Config) -> None:
    assert Thing.created == []
    c1 = tree.get("c1")
    assert tree.get("c1") is c1 and tree.get("$c1") is c1
    assert Thing.created == ["c1"]
    assert tree.instances == {"c1": c1}


def test_references_resolve_to_objects(tree: Config) -> None:
    refs = tree.get("refs")
    assert refs.target is tree.get("c1")
    assert refs.targets == [tree.get("c1"), tree.get("m1")]
    assert refs.attribute == 2.0                       # $c2.velocity
    assert tree.resolve("plain text") == "plain text"
    assert tree.resolve(3) == 3


def test_unnamed_controller_created_once_for_its_children(tree: Config) -> None:
    m1, m2, enc = tree.get("m1"), tree.get("m2"), tree.get("m1enc")
    assert len(FakeController.created) == 1
    assert m1.controller is m2.controller is enc.controller
    assert m1.controller.name is None
    assert isinstance(m2, FakeAxis)  # class FakeAxis is not registered: its controller makes it


def test_named_controller_is_an_object(tree: Config) -> None:
    m3 = tree.get("m3")
    assert tree.get("ctrl2") is m3.controller
    assert tree.get("ctrl2").name == "ctrl2"
    assert len(FakeController.created) == 1


def test_reference_entry_is_not_a_definition(tree: Config) -> None:
    assert tree.names.count("m1") == 1
    calc1 = tree.get("calc1")
    assert tree.get("m1").controller is not calc1.controller
    assert len(FakeController.created) == 2


def test_named_objects_anywhere_in_the_tree(tree: Config) -> None:
    assert isinstance(tree.get("hook0"), Thing)               # list under `hooks:`
    assert isinstance(tree.get("deep_counter"), Thing)        # list under two keys
    assert isinstance(tree.get("group1"), Thing)              # next to a session


def test_user_class_with_module_and_class(tree: Config) -> None:
    root = str(tree.root)
    widget = tree.get("widget")
    assert type(widget).__name__ == "Widget" and widget.name == "widget" and widget.size == 3
    assert root not in sys.path


def test_unknown_name_is_a_key_error(tree: Config) -> None:
    with pytest.raises(KeyError) as info:
        tree.get("refz")
    assert isinstance(info.value, UnknownObjectError)
    assert str(info.value) == ("no object named 'refz' in the configuration "
                               "(did you mean 'refs'?)")
    with pytest.raises(UnknownObjectError, match="'demo' is a session, not an object"):
        tree.get_config("demo")


def test_beamline_directory_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        Config(tmp_path / "nowhere")


def test_yaml_scalars_follow_bliss(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "a.yaml").write_text(
        "name: a\nclass: thing\nstatus: in\nmode: ON\nflag: True\nacceleration: 1e9\n"
        "low: -.inf\nempty:\n")
    node = Config(tmp_path, CLASSES).get_config("a")
    assert node["status"] == "in" and node["mode"] == "ON" and node["flag"] is True
    assert node["acceleration"] == 1e9 and node["low"] == float("-inf")
    assert node["empty"] is None


def test_duplicate_key_in_a_mapping_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "a.yml").write_text("name: a\nvelocity: 1\nvelocity: 2\n")
    cfg = Config(tmp_path, CLASSES)
    assert cfg.get_config("a")["velocity"] == 2
    assert cfg.warnings == ["config/a.yml, line 3: key 'velocity' is given twice (line 2 and "
                            "line 3); the second value is used"]


def test_empty_and_odd_files(tmp_path: Path) -> None:
    config = tmp_path / "config"
    (config / "sub").mkdir(parents=True)
    (config / "empty.yml").write_text("")
    (config / "comments.yml").write_text("# nothing yet\n")
    (config / "scalar.yml").write_text("just text\n")
    (config / "latin1.yml").write_bytes(b"name: a\ndescription: caf\xe9\n")
    (config / "sub" / "__init__.yml").write_text("- plugin: emotion\n")
    (config / "sub" / "b.yml").write_text("name: b\nclass: thing\n")
    cfg = Config(tmp_path, CLASSES)
    assert [str(e) for e in cfg.load_errors] == [
        "config/latin1.yml, line 2: the file is not UTF-8 text",
        "config/scalar.yml, line 1: a configuration file must hold a mapping or a list of "
        "mappings",
        "config/sub/__init__.yml, line 1: an __init__.yml file must hold a mapping of "
        "default keys"]
    assert cfg.names == ["b"] and "plugin" not in cfg.get_config("b")


# -- every SPEC 2 error: one sentence naming file, line and object ------------------------

def test_malformed_yaml_loses_only_that_file(errors: Config) -> None:
    assert str(errors.load_errors[1]) == (
        "config/broken.yml, line 6, object 'lost_b': malformed YAML (did not find expected "
        "',' or ']'), no object of this file is loaded")
    assert "lost_a" not in errors and "lost_c" not in errors
    assert isinstance(errors.get("good_one"), Thing)


def test_python_object_tag_is_refused(errors: Config, tmp_path: Path) -> None:
    assert str(errors.load_errors[3]) == (
        "config/evil.yml, line 3, object 'evil': Python object tag "
        "'!!python/object/apply:os.system' is not allowed (configuration files are read "
        "with a safe YAML loader), no object of this file is loaded")
    assert "evil" not in errors


def test_duplicate_names_name_both_places(errors: Config) -> None:
    message = ("config/duplicate_b.yml, line 4, object 'twin': object defined twice, first "
               "in config/duplicate_a.yml, line 1 (names must be unique)")
    assert str(errors.load_errors[2]) == message
    assert _raises(errors, "twin") == message
    assert isinstance(errors.get("single"), Thing)  # the rest of the file is fine


def test_object_name_must_be_text(errors: Config) -> None:
    assert str(errors.load_errors[0]) == (
        "config/bad_name.yml, line 1: an object name must be text, got 12")
    assert len(errors.load_errors) == 4


def test_reference_to_a_missing_object(errors: Config) -> None:
    assert _raises(errors, "needs_ghost") == (
        "config/references.yml, line 3, object 'needs_ghost': reference '$ghost' names no "
        "object of the configuration")
    assert _raises(errors, "typo_ref") == (
        "config/references.yml, line 12, object 'typo_ref': reference '$singel' names no "
        "object of the configuration (did you mean '$single'?)")


def test_circular_reference(errors: Config) -> None:
    assert _raises(errors, "loop_a") == (
        "config/references.yml, line 4, object 'loop_a': circular reference "
        "(loop_a -> loop_b -> loop_a)")
    # nothing half-made stays behind: a second attempt reports the same
    assert _raises(errors, "loop_a").endswith("(loop_a -> loop_b -> loop_a)")


def test_unknown_class_suggests_close_builtin_names(errors: Config) -> None:
    assert _raises(errors, "misspelt_class") == (
        "config/classes.yml, line 2, object 'misspelt_class': unknown class "
        "'simulaton_diode' (did you mean 'simulation_diode'?)")
    assert _raises(errors, "foreign_class") == (
        "config/classes.yml, line 4, object 'foreign_class': unknown class 'slits' (not a "
        "bliss_lite class; a user class needs 'module:' and 'class:')")


def test_unknown_class_of_a_controller_names_the_child(errors: Config) -> None:
    assert _raises(errors, "orphan_axis") == (
        "config/classes.yml, line 15, object 'orphan_axis': its controller (line 13) failed: "
        "unknown class 'slits' (not a bliss_lite class; a user class needs 'module:' and "
        "'class:')")


def test_missing_class_key(errors: Config, tmp_path: Path) -> None:
    # as BLISS's default plugin: a class-less mapping is returned as it is
    assert errors.get("no_class") is errors.get_config("no_class")
    assert errors.get("no_class")["velocity"] == 1
    # with a plugin that creates objects, the class is needed
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "a.yml").write_text("- name: no_class\n  plugin: bliss\n  velocity: 1\n")
    assert _raises(Config(tmp_path, CLASSES), "no_class") == (
        "config/a.yml, line 1, object 'no_class': no 'class:' key says what to create")


def test_user_module_or_class_missing(errors: Config) -> None:
    assert _raises(errors, "missing_module") == (
        "config/classes.yml, line 8, object 'missing_module': cannot import module "
        "'no_such_module_xyz' for class 'Thing' (ModuleNotFoundError: No module named "
        "'no_such_module_xyz')")
    assert _raises(errors, "missing_user_class") == (
        "config/classes.yml, line 12, object 'missing_user_class': module 'error_devices' has "
        "no class 'NoSuchClass'")


def test_missing_required_key(errors: Config) -> None:
    assert _raises(errors, "no_steps") == (
        "config/values.yml, line 1, object 'no_steps': missing required key 'steps_per_unit'")
    node = ConfigNode({"name": "m2", "velocty": 10}, filename="config/m.yml", line=3,
                      key_lines={"name": 3, "velocty": 4})
    with pytest.raises(ConfigError) as info:
        node.require("velocity", float)
    assert str(info.value) == ("config/m.yml, line 4, object 'm2': missing required key "
                               "'velocity' ('velocty' looks like a misspelling of it)")


def test_value_of_the_wrong_type(errors: Config) -> None:
    assert _raises(errors, "slow_typed") == (
        "config/values.yml, line 7, object 'slow_typed': 'velocity' must be a number, "
        "got 'fast'")


def test_close_unknown_key_warns_bliss_keys_are_silent(errors: Config) -> None:
    obj = errors.get("typo_key")
    assert obj.velocity == 1.0
    assert errors.warnings == [
        "config/values.yml, line 11, object 'typo_key': unknown key 'velocty' (did you mean "
        "'velocity'?)"]
    errors.get("typo_key")
    assert len(errors.warnings) == 1


def test_factory_exception_becomes_a_config_error(tmp_path: Path) -> None:
    def broken(name: str | None, node: ConfigNode, config: Config) -> None:
        raise ZeroDivisionError("division by zero")

    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "a.yml").write_text("\nname: a\nclass: broken\n")
    cfg = Config(tmp_path, {"broken": ClassEntry(broken)})
    assert _raises(cfg, "a") == ("config/a.yml, line 2, object 'a': cannot be created "
                                 "(ZeroDivisionError: division by zero)")


def test_controller_without_get_child(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "a.yml").write_text("class: thing\naxes:\n  - name: ax\n")
    cfg = Config(tmp_path, CLASSES)
    assert _raises(cfg, "ax") == ("config/a.yml, line 3, object 'ax': its controller "
                                  "(class 'thing', line 1) cannot provide named objects")


# -- a real BLISS Beacon configuration ----------------------------------------------------

def test_bliss_test_configuration(bliss_test_configuration: Path) -> None:
    cfg = Config(bliss_test_configuration, CLASSES | {"mockup": ClassEntry(FakeController,
                                                                           controller=True)})
    assert cfg.beacon_mode
    assert cfg.load_errors == [] and cfg.warnings == []
    assert "test_session" in cfg.sessions and "MG1" in cfg.names
    assert cfg.root_settings["scan_saving"]["beamline"] == "id00"
    roby = cfg.get_config("roby")
    assert roby.filename == "motors/mockup.yml" and roby["plugin"] == "emotion"
    for name in ("roby", "robu", "sim_ct_gauss_service", "test", "hook0", "hook1"):
        assert name in cfg.names
    assert cfg.names.count("roby") == 1                  # `$roby` under calc controllers
    robu = cfg.get("robu")                               # class MockupAxis under `mockup`
    assert isinstance(robu, FakeAxis) and robu.controller is cfg.get("roby").controller
    assert cfg.get("robz").controller is cfg.get("test")
    assert isinstance(cfg.get("sim_ct_gauss_service"), Thing)
    assert "cannot import module 'motors.mockup'" in _raises(cfg, "hook0")
    assert _raises(cfg, "s1vg").startswith(
        "motors/mockup.yml, line 220, object 's1vg': its controller 'primary_slit' "
        "(line 209) failed: unknown class 'slits'")


# -- finding the beamline directory -------------------------------------------------------

def test_find_root_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cli, env, cwd = tmp_path / "cli", tmp_path / "env", tmp_path / "cwd"
    for folder in (cli, env, cwd / "sessions"):
        folder.mkdir(parents=True)
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("BLISS_LITE_ROOT", str(env))
    assert find_root(str(cli)) == cli.resolve()
    assert find_root(None) == env.resolve()
    monkeypatch.delenv("BLISS_LITE_ROOT")
    assert find_root(None) == cwd.resolve()
    monkeypatch.chdir(tmp_path)
    assert find_root(None) == demo_root()
    assert (demo_root() / "sessions" / "demo.yml").is_file()


def test_find_root_missing_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match=r"beamline directory '.*nowhere' given by --root "
                                          "does not exist"):
        find_root(tmp_path / "nowhere")
    monkeypatch.setenv("BLISS_LITE_ROOT", str(tmp_path / "gone"))
    with pytest.raises(ConfigError, match="given by BLISS_LITE_ROOT does not exist"):
        find_root(None)


def test_demo_configuration_loads_cleanly() -> None:
    cfg = Config(demo_root())
    assert cfg.load_errors == []
    assert {"diode", "roby", "beamstop", "MG1"} <= set(cfg.names)
    assert "demo" in cfg.sessions


def test_import_is_cheap() -> None:
    code = ("import sys, bliss_lite.config, bliss_lite.settings; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('numpy', 'h5py', 'IPython')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_controller_asking_for_its_own_child_while_created(tmp_path: Path) -> None:
    class Greedy(FakeController):
        def __init__(self, name: str | None, node: ConfigNode, config: Config) -> None:
            super().__init__(name, node, config)
            config.get("ay")

    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "a.yml").write_text(
        "class: greedy\naxes:\n  - name: ax\n  - name: ay\n")
    cfg = Config(tmp_path, {"greedy": ClassEntry(Greedy, controller=True)})
    assert _raises(cfg, "ax") == (
        "config/a.yml, line 4, object 'ay': its controller (line 1) failed: circular "
        "reference: the controller needs one of its own objects while it is being created")
