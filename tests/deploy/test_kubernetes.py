"""The Kubernetes manifests (deploy/kubernetes/): valid for a stated Kubernetes version, and in
agreement with the images and the Compose stack.

No cluster runs them here. Instead:
- every object (the base, the overlays' outputs, the optional autoscaler) is validated against
  Kubernetes KUBERNETES_VERSION's OpenAPI schemas with kubernetes-validate, in strict mode (an
  unknown or misspelt field fails);
- the kustomizations are checked by structure (each base file listed exactly once, every image
  rewritten by the private-registry overlay, the prepare-per-pod overlay's patches applied here as
  kustomize applies them) and, when kubectl is on PATH, built with `kubectl kustomize` and compared;
- the manifests are checked against their sources of truth: the Dockerfiles (user, ports, ENV,
  HEALTHCHECK, CMD), compose.yaml (images, environment, memory limits, grace periods, volumes),
  the environment variables the programs read and the routes they serve (Sources/, init/src),
  the classifier's queue-time metric and docs/scaling.md.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml
from hublot_testing import dockerfile_stage

try:
    import kubernetes_validate
except ImportError:  # a failure below says how to install it, rather than a collection error
    kubernetes_validate = None

ROOT = Path(__file__).resolve().parents[2]
KUBERNETES = ROOT / "deploy" / "kubernetes"
BASE = KUBERNETES / "base"
OVERLAY = KUBERNETES / "overlays" / "private-registry"
PER_POD = KUBERNETES / "overlays" / "prepare-per-pod"
OPTIONAL_HPA = KUBERNETES / "optional" / "hpa-queue-time.yaml"
ADAPTER_RULES = KUBERNETES / "optional" / "prometheus-adapter-rules.yaml"
VERSION = (ROOT / "VERSION").read_text().strip()

# The Kubernetes version whose schemas the manifests are validated against (docs/scaling.md says it).
KUBERNETES_VERSION = "1.33"


# Each program, keyed by its Compose service's name: its image, Dockerfile stage, the workload
# running it in the manifests, and where its environment names and routes are read.
PROGRAMS = {
    "init": {
        "image": "hublot-init",
        "dockerfile": "docker/init.Dockerfile",
        "stage": None,
        "workload": ("Job", "init"),
        "sources": ["init/src"],
        "routes": None,
    },
    "classifier": {
        "image": "hublot-classifier",
        "dockerfile": "docker/hublot.Dockerfile",
        "stage": "classifier",
        "workload": ("Deployment", "classifier"),
        "sources": ["Sources/hublot-classifier"],
        "routes": "Sources/HublotClassifier/Routes",
    },
    "front": {
        "image": "hublot-front",
        "dockerfile": "docker/hublot.Dockerfile",
        "stage": "front",
        "workload": ("Deployment", "front"),
        "sources": ["Sources/hublot-front"],
        "routes": "Sources/HublotFront/Health",
    },
}


# --- reading the manifests -------------------------------------------------------------------

def documents(path: Path) -> list[dict[str, Any]]:
    """The YAML documents of a file, empty ones left out."""
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


def kustomization(folder: Path) -> dict[str, Any]:
    """The folder's kustomization.yaml."""
    return documents(folder / "kustomization.yaml")[0]


def base_objects() -> list[dict[str, Any]]:
    """The base's objects as its files hold them, with the kustomization's namespace set."""
    namespace = kustomization(BASE).get("namespace")
    objects = []
    for name in kustomization(BASE)["resources"]:
        for obj in documents(BASE / name):
            if namespace and obj["kind"] != "Namespace":
                obj.setdefault("metadata", {})["namespace"] = namespace
            objects.append(obj)
    return objects


def find(kind: str, name: str, objects: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The one object of that kind and name among `objects` (default: the base's)."""
    matching = [o for o in (base_objects() if objects is None else objects)
                if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(matching) == 1, f"{len(matching)} {kind} named {name!r} (expected 1)"
    return matching[0]


def pod_spec(obj: dict[str, Any]) -> dict[str, Any]:
    """The pod template's spec of a Deployment or Job."""
    return obj["spec"]["template"]["spec"]


def containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    """The init containers and containers of a Deployment or Job."""
    spec = pod_spec(obj)
    return spec.get("initContainers", []) + spec["containers"]


def container(program: str) -> dict[str, Any]:
    """The base's container running the program's image."""
    kind, name = PROGRAMS[program]["workload"]
    matching = [c for c in containers(find(kind, name)) if c["image"].split(":")[0] == PROGRAMS[program]["image"]]
    assert len(matching) == 1, f"{kind}/{name} has {len(matching)} containers of image {PROGRAMS[program]['image']}"
    return matching[0]


def env(program: str) -> dict[str, str]:
    """The environment the base gives the program."""
    return {e["name"]: e["value"] for e in container(program).get("env", [])}


def with_images(obj: dict[str, Any], images: list[dict[str, str]]) -> dict[str, Any]:
    """`obj` with kustomize's `images:` rewrite applied to its containers (a copy)."""
    copy = yaml.safe_load(yaml.safe_dump(obj))
    if "template" in copy.get("spec", {}):
        for c in containers(copy):
            name = c["image"].split(":")[0]
            for image in images:
                if image["name"] == name:
                    c["image"] = f"{image.get('newName', name)}:{image['newTag']}"
    return copy


def strategic_merge(target: dict[str, Any], patch: dict[str, Any]) -> None:
    """kustomize's strategic merge, as far as the overlay's patch needs it: maps merge, `null` removes
    a key, lists of named items (containers, volumes) merge item by `name`, other values replace."""
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            strategic_merge(target[key], value)
        elif isinstance(value, list) and value and all(isinstance(v, dict) and "name" in v for v in value):
            items = target.setdefault(key, [])
            for item in value:
                existing = [i for i in items if i.get("name") == item["name"]]
                if existing:
                    strategic_merge(existing[0], item)
                else:
                    items.append({k: v for k, v in item.items() if v is not None})
        else:
            target[key] = value


def per_pod_objects() -> list[dict[str, Any]]:
    """The prepare-per-pod overlay's output: the base less its `$patch: delete` objects, with its
    strategic-merge patches applied."""
    deleted, patches = set(), []
    for entry in kustomization(PER_POD)["patches"]:
        if "patch" in entry:
            patch = yaml.safe_load(entry["patch"])
            assert patch.get("$patch") == "delete", f"prepare-per-pod: unexpected inline patch {patch}"
            deleted.add((patch["kind"], patch["metadata"]["name"]))
        else:
            patches += documents(PER_POD / entry["path"])
    objects = [o for o in base_objects() if (o["kind"], o["metadata"]["name"]) not in deleted]
    for patch in patches:
        target = find(patch["kind"], patch["metadata"]["name"], objects)
        strategic_merge(target, {k: v for k, v in patch.items() if k not in ("apiVersion", "kind", "metadata")})
    return objects


# --- reading the other sources of truth -------------------------------------------------------

def compose_service(name: str) -> dict[str, Any]:
    """compose.yaml's service `name`."""
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))["services"][name]


def compose_value(value: Any) -> str:
    """A Compose value with `${VAR:-default}` replaced by its default (what runs when unset)."""
    return re.sub(r"\$\{[A-Z0-9_]+:-([^}]*)\}", r"\1", str(value))


def compose_env(name: str) -> dict[str, str]:
    """compose.yaml's environment for the service, defaults filled in."""
    return {k: compose_value(v) for k, v in (compose_service(name).get("environment") or {}).items()}


def stage(program: str) -> str:
    """The text of the program's Dockerfile stage."""
    return dockerfile_stage(PROGRAMS[program]["dockerfile"], PROGRAMS[program]["stage"])


def dockerfile_env(program: str) -> dict[str, str]:
    """The stage's `ENV A=1 B=2` pairs."""
    pairs: dict[str, str] = {}
    for line in re.findall(r"^ENV (.+)$", stage(program), flags=re.M):
        pairs.update(dict(re.findall(r"([A-Z0-9_]+)=(\S+)", line)))
    return pairs


def dockerfile_uid(program: str) -> int:
    """The uid of the stage's USER, from the Dockerfile's `useradd --uid N ... NAME`."""
    user = re.findall(r"^USER (\S+)$", stage(program), flags=re.M)
    assert len(user) == 1, f"{PROGRAMS[program]['dockerfile']} ({program}): expected one USER, found {user}"
    text = (ROOT / PROGRAMS[program]["dockerfile"]).read_text()
    uids = re.findall(rf"useradd [^\n]*--uid (\d+)[^\n]* {re.escape(user[0])}\b", text)
    assert len(set(uids)) == 1, f"{PROGRAMS[program]['dockerfile']}: no single useradd for {user[0]}: {uids}"
    return int(uids[0])


def env_names_read(program: str) -> set[str]:
    """The HUBLOT_* variables the program's sources name (its configuration)."""
    names: set[str] = set()
    for folder in PROGRAMS[program]["sources"]:
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in (".swift", ".py"):
                names |= set(re.findall(r"\b(HUBLOT_[A-Z0-9_]+)\b", path.read_text(encoding="utf-8")))
    assert names, f"no HUBLOT_* variable found in {PROGRAMS[program]['sources']}"
    return names


def route_served(program: str, path: str) -> bool:
    """Whether the program's route sources register `path`: `get("/a/b")`, or a
    `group("a")` with `get("b")` (Hummingbird's router groups)."""
    texts = [p.read_text(encoding="utf-8") for p in (ROOT / PROGRAMS[program]["routes"]).rglob("*.swift")]
    first, _, rest = path.strip("/").partition("/")
    return any(f'get("{path}")' in t or (f'group("{first}")' in t and f'get("{rest}")' in t) for t in texts)


def quantity_bytes(value: str) -> int:
    """Bytes of a memory size: Kubernetes' `1Gi`, Compose's `1g` or nginx's `20m` (all binary units;
    Kubernetes' own `m`, milli, is never a memory size here)."""
    number, unit = re.fullmatch(r"(\d+)([A-Za-z]*)", str(value)).groups()
    units = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "Ki": 1024, "Mi": 1024**2, "Gi": 1024**3}
    assert unit in units, f"unexpected size unit in {value!r}"
    return int(number) * units[unit]


def seconds(value: str) -> int:
    """Seconds of a Compose duration (`15s`, `5m`)."""
    number, unit = re.fullmatch(r"(\d+)(s|m)", value).groups()
    return int(number) * (60 if unit == "m" else 1)


def probes(c: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(kind, probe) for each probe of the container."""
    for kind in ("startupProbe", "livenessProbe", "readinessProbe"):
        if kind in c:
            yield kind, c[kind]


# --- (a) schemas -----------------------------------------------------------------------------

def validator():
    """The kubernetes_validate module, or a failure saying how to install it."""
    if kubernetes_validate is None:
        pytest.fail("kubernetes-validate is not installed: scripts/setup-venv installs tests/requirements.txt")
    return kubernetes_validate


def validate(obj: dict[str, Any]) -> None:
    """Validates `obj` strictly against KUBERNETES_VERSION, failing with the path and the reason."""
    kv = validator()
    problem = None
    try:
        kv.validate(obj, KUBERNETES_VERSION, strict=True)
    except kv.ValidationError as error:
        where = ".".join(str(p) for p in error.path) or "(top)"
        problem = (f"{obj['kind']}/{obj['metadata']['name']} is invalid for Kubernetes {KUBERNETES_VERSION} "
                   f"at {where}: {error.message}")
    except kv.SchemaNotFoundError as error:
        problem = error.message
    if problem:  # outside the except clause: the message alone, not jsonschema's whole schema
        pytest.fail(problem)


def schema_cases() -> list[tuple[str, dict[str, Any]]]:
    """(id, object) for every object the manifests produce: base, overlays, optional."""
    cases = [(f"base/{o['kind']}/{o['metadata']['name']}", o) for o in base_objects()]
    images = kustomization(OVERLAY)["images"]
    cases += [(f"private-registry/{o['kind']}/{o['metadata']['name']}", with_images(o, images)) for o in base_objects()]
    cases += [(f"prepare-per-pod/{o['kind']}/{o['metadata']['name']}", o) for o in per_pod_objects()]
    cases += [(f"optional/{o['kind']}/{o['metadata']['name']}", o) for o in documents(OPTIONAL_HPA)]
    return cases


def test_the_stated_version_has_its_own_schemas():
    """kubernetes-validate falls back to an older version's schemas silently: not here."""
    kv = validator()
    used = kv.validate({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}}, KUBERNETES_VERSION)
    assert used == KUBERNETES_VERSION, f"kubernetes-validate has no {KUBERNETES_VERSION} schemas (it used {used})"


@pytest.mark.parametrize("obj", [c[1] for c in schema_cases()], ids=[c[0] for c in schema_cases()])
def test_every_object_validates_strictly(obj: dict[str, Any]):
    validate(obj)


def test_strict_validation_refuses_an_unknown_field():
    """The check above can fail: a misspelt field (`replica`) is refused."""
    kv = validator()
    deployment = yaml.safe_load(yaml.safe_dump(find("Deployment", "classifier")))
    deployment["spec"]["replica"] = 3
    with pytest.raises(kv.ValidationError):
        kv.validate(deployment, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("folder, handled", [(OVERLAY, "images"), (PER_POD, "patches")],
                         ids=["private-registry", "prepare-per-pod"])
def test_the_overlays_use_only_what_this_test_applies(folder: Path, handled: str):
    """The overlays' outputs are validated above by applying their `images:` or patches here."""
    unsupported = set(kustomization(folder)) - {"apiVersion", "kind", "resources", handled}
    assert not unsupported, f"{folder.relative_to(ROOT)}: apply and validate these in this test too: {sorted(unsupported)}"


# --- (b) kustomize structure -----------------------------------------------------------------

def test_the_base_lists_exactly_its_files():
    listed = kustomization(BASE)["resources"]
    present = sorted(p.name for p in BASE.glob("*.y*ml") if p.name != "kustomization.yaml")
    assert len(listed) == len(set(listed)), f"listed twice: {sorted({n for n in listed if listed.count(n) > 1})}"
    assert sorted(listed) == present, (f"base/kustomization.yaml resources differ from the folder: "
                                       f"not listed {sorted(set(present) - set(listed))}, "
                                       f"missing files {sorted(set(listed) - set(present))}")
    for name in listed:
        assert len(documents(BASE / name)) == 1, f"base/{name}: one object per file"


def test_the_optional_autoscaler_is_not_in_the_base():
    assert not any("optional" in r for r in kustomization(BASE)["resources"]), "base/kustomization.yaml lists optional/"
    for folder in (OVERLAY, PER_POD):
        assert kustomization(folder)["resources"] == ["../../base"], f"{folder.name} builds on the base alone"


def test_the_overlay_rewrites_every_image():
    base_images = {c["image"].split(":")[0] for o in base_objects() if "template" in o.get("spec", {})
                   for c in containers(o)}
    rewritten = {i["name"]: i for i in kustomization(OVERLAY)["images"]}
    assert base_images == {p["image"] for p in PROGRAMS.values()}, f"the base's images: {sorted(base_images)}"
    assert set(rewritten) == base_images, (f"the overlay rewrites {sorted(rewritten)}, the base runs "
                                           f"{sorted(base_images)}")
    for name, image in rewritten.items():
        assert image.get("newName", "").endswith(f"/{name}"), f"overlay: {name} -> {image.get('newName')}"
        assert image.get("newTag") == VERSION, (f"overlay: {name} tagged {image.get('newTag')!r}, the images are "
                                                f"tagged with VERSION ({VERSION}) by scripts/build-images")


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl not on PATH: the structure tests above stand in")
@pytest.mark.parametrize("folder", [BASE, OVERLAY, PER_POD], ids=["base", "private-registry", "prepare-per-pod"])
def test_kubectl_kustomize_builds(folder: Path):
    built = subprocess.run(["kubectl", "kustomize", str(folder)], capture_output=True, text=True, check=False)
    assert built.returncode == 0, f"kubectl kustomize {folder.relative_to(ROOT)}: {built.stderr}"
    objects = [o for o in yaml.safe_load_all(built.stdout) if o]
    expected = per_pod_objects() if folder == PER_POD else base_objects()
    assert sorted((o["kind"], o["metadata"]["name"]) for o in objects) == sorted(
        (o["kind"], o["metadata"]["name"]) for o in expected)
    if folder == PER_POD:  # the patch as kustomize applies it is the patch as this test applies it
        assert pod_spec(find("Deployment", "classifier", objects)) == pod_spec(find("Deployment", "classifier", expected))
    for obj in objects:
        validate(obj)
        if obj["kind"] != "Namespace":
            assert obj["metadata"]["namespace"] == "hublot", f"{obj['kind']}/{obj['metadata']['name']}"
        if folder == OVERLAY and "template" in obj.get("spec", {}):
            for c in containers(obj):
                assert c["image"].startswith("registry.example.org/hublot/"), c["image"]


# --- (b) agreement with the images, the programs and the Compose stack -----------------------

@pytest.mark.parametrize("program", PROGRAMS)
def test_images_are_the_compose_images(program: str):
    assert container(program)["image"] == compose_service(program)["image"], (
        f"{program}: the manifests run {container(program)['image']}, compose.yaml {compose_service(program)['image']}")


@pytest.mark.parametrize("program", PROGRAMS)
def test_pods_run_as_the_images_user_locked_down(program: str):
    kind, name = PROGRAMS[program]["workload"]
    spec, c = pod_spec(find(kind, name)), container(program)
    uid = dockerfile_uid(program)
    assert spec["securityContext"].get("runAsNonRoot") is True, f"{kind}/{name}: runAsNonRoot"
    assert spec["securityContext"].get("runAsUser") == uid, (
        f"{kind}/{name} runs as uid {spec['securityContext'].get('runAsUser')}, the image's user is {uid}")
    assert spec["securityContext"].get("seccompProfile") == {"type": "RuntimeDefault"}, f"{kind}/{name}: seccomp"
    assert spec.get("automountServiceAccountToken") is False, f"{kind}/{name}: no API token"
    security = c.get("securityContext", {})
    assert security.get("readOnlyRootFilesystem") is True, f"{kind}/{name}: read-only root"
    assert security.get("allowPrivilegeEscalation") is False, f"{kind}/{name}: privilege escalation"
    assert security.get("capabilities") == {"drop": ["ALL"]}, f"{kind}/{name}: capabilities"
    hardening = compose_service(program)
    assert hardening["read_only"] is True and hardening["cap_drop"] == ["ALL"], "compose.yaml's hardening changed"


@pytest.mark.parametrize("program", ["classifier", "front"])
def test_ports_agree_with_the_image(program: str):
    image_env = dockerfile_env(program)
    exposed = [int(p) for p in re.findall(r"^EXPOSE (\d+)$", stage(program), flags=re.M)]
    port_variables = {"classifier": ["HUBLOT_PORT", "HUBLOT_GRPC_PORT"], "front": ["HUBLOT_FRONT_PORT"]}[program]
    ports = container(program)["ports"]
    assert [p["containerPort"] for p in ports] == exposed == [int(image_env[v]) for v in port_variables], (
        f"{program}: containerPort {[p['containerPort'] for p in ports]}, EXPOSE {exposed}, "
        f"{ {v: image_env.get(v) for v in port_variables} }")
    named = {p["name"]: p["containerPort"] for p in ports}
    for kind, probe in probes(container(program)):
        assert probe["httpGet"]["port"] in named or probe["httpGet"]["port"] in named.values(), (
            f"{program} {kind}: port {probe['httpGet']['port']} is not the container's {named}")
    services = [o for o in base_objects() if o["kind"] == "Service"
                and o["spec"]["selector"] == find(*PROGRAMS[program]["workload"])["spec"]["selector"]["matchLabels"]]
    assert services, f"no Service selects the {program} pods"
    for service in services:
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in named or port["targetPort"] in named.values(), (
                f"Service/{service['metadata']['name']} targets {port['targetPort']}, the container has {named}")
            target = named.get(port["targetPort"], port["targetPort"])
            assert port["port"] == target, (
                f"Service/{service['metadata']['name']} listens on {port['port']} for container port {target}")


def test_the_front_balances_over_the_headless_classifier_service():
    url = env("front")["HUBLOT_CLASSIFIER_URL"]
    host, port = re.fullmatch(r"http://([a-z0-9-]+):(\d+)", url).groups()
    # compose.yaml and the image name the classifier's own service, on the same port.
    for where, other in (("compose.yaml", compose_env("front")), ("the image", dockerfile_env("front"))):
        other_host, other_port = re.fullmatch(r"http://([a-z0-9-]+):(\d+)", other["HUBLOT_CLASSIFIER_URL"]).groups()
        assert (other_host, other_port) == ("classifier", port), f"{where}: {other['HUBLOT_CLASSIFIER_URL']}, manifests {url}"
    service = find("Service", host)
    assert service["spec"].get("clusterIP") == "None", f"Service/{host}: the front's URL must name the headless Service"
    assert service["spec"].get("publishNotReadyAddresses") is False, f"Service/{host} must list ready pods only"
    assert int(port) in [p["port"] for p in service["spec"]["ports"]], f"Service/{host} has no port {port}"
    assert service["spec"]["selector"] == find(*PROGRAMS["classifier"]["workload"])["spec"]["selector"]["matchLabels"]
    # The ClusterIP Service `classifier` stays, for other clients, on the same pods.
    assert find("Service", "classifier")["spec"]["selector"] == service["spec"]["selector"]


@pytest.mark.parametrize("program", ["classifier", "front"])
def test_probe_paths_are_served_and_match_the_healthcheck(program: str):
    c = container(program)
    paths = {kind: probe["httpGet"]["path"] for kind, probe in probes(c)}
    assert set(paths) == {"startupProbe", "livenessProbe", "readinessProbe"}, f"{program}: probes {sorted(paths)}"
    for kind, path in paths.items():
        assert route_served(program, path), f"{program} {kind}: {path} is not a route of {PROGRAMS[program]['routes']}"
    instruction = re.search(r"^HEALTHCHECK .*?\]$", stage(program), flags=re.M | re.S)[0]
    healthcheck = re.search(r"GET (\S+) HTTP", instruction)[1]
    # The image's health check is what Compose waits for: ready for the classifier, alive for the front.
    wanted = {"classifier": "readinessProbe", "front": "livenessProbe"}[program]
    assert paths[wanted] == healthcheck, (f"{program} {wanted}: {paths[wanted]}, the image's HEALTHCHECK: "
                                          f"{healthcheck}")


@pytest.mark.parametrize("program", PROGRAMS)
def test_env_names_are_read_by_the_program(program: str):
    unknown = set(env(program)) - env_names_read(program)
    assert not unknown, f"{program}: the manifests set {sorted(unknown)}, which {PROGRAMS[program]['sources']} never read"


@pytest.mark.parametrize("program", PROGRAMS)
def test_env_agrees_with_compose_and_the_image(program: str):
    # The classifier's URL differs by design (the headless Service): the test above ties it to them.
    manifest, compose = env(program), compose_env(program)
    for settings in (manifest, compose):
        settings.pop("HUBLOT_CLASSIFIER_URL", None)
    missing = set(compose) - set(manifest)
    assert not missing, f"{program}: compose.yaml sets {sorted(missing)}, the manifests do not"
    differing = {k: (manifest[k], compose[k]) for k in compose if manifest[k] != compose[k]}
    assert not differing, f"{program}: (manifests, compose.yaml default) differ: {differing}"
    image = {k: v for k, v in dockerfile_env(program).items() if k != "HUBLOT_CLASSIFIER_URL"}
    differing = {k: (manifest[k], image[k]) for k in set(manifest) & set(image) if manifest[k] != image[k]}
    assert not differing, f"{program}: (manifests, image ENV) differ: {differing}"


def test_classifier_threads_match_its_cpu_limit():
    limit = container("classifier")["resources"]["limits"]["cpu"]
    cores = int(limit) if str(limit).isdigit() else -(-int(str(limit).rstrip("m")) // 1000)
    for name in ("HUBLOT_THREADS", "HUBLOT_DECODE_THREADS"):
        assert env("classifier").get(name) == str(cores), f"{name}={env('classifier').get(name)}, CPU limit {limit}"


def test_init_prepares_what_compose_and_the_image_prepare():
    args = container("init")["args"]
    compose = [a for a in compose_value(compose_service("init")["command"]).split() if a != "--stay"]
    image = yaml.safe_load(re.search(r"^CMD (\[.*\])$", stage("init"), flags=re.M)[1])
    assert args == compose == image, f"init: manifests {args}, compose.yaml {compose}, image CMD {image}"


@pytest.mark.parametrize("program", PROGRAMS)
def test_memory_limits_and_grace_periods_are_composes(program: str):
    kind, name = PROGRAMS[program]["workload"]
    limit = container(program)["resources"]["limits"]["memory"]
    assert quantity_bytes(limit) == quantity_bytes(compose_service(program)["mem_limit"]), (
        f"{program}: memory limit {limit}, compose.yaml mem_limit {compose_service(program)['mem_limit']}")
    grace = compose_service(program).get("stop_grace_period")
    if grace is not None:
        assert pod_spec(find(kind, name))["terminationGracePeriodSeconds"] == seconds(grace), (
            f"{program}: terminationGracePeriodSeconds vs compose.yaml stop_grace_period {grace}")


@pytest.mark.parametrize("program", PROGRAMS)
def test_mounts_are_composes(program: str):
    """compose's `models:/models[:ro]` is the models claim (read-only likewise), its tmpfs an emptyDir."""
    kind, name = PROGRAMS[program]["workload"]
    volumes = {v["name"]: v for v in pod_spec(find(kind, name)).get("volumes", [])}
    mounts = {m["mountPath"]: m for m in container(program).get("volumeMounts", [])}
    wanted = {}
    for entry in compose_service(program).get("volumes", []):
        _, path, *mode = entry.split(":")
        wanted[path] = ("persistentVolumeClaim", mode == ["ro"])
    for path in compose_service(program).get("tmpfs", []):
        wanted[path] = ("emptyDir", False)
    found = {path: (next(k for k in ("persistentVolumeClaim", "emptyDir") if k in volumes[m["name"]]),
                    m.get("readOnly", False)) for path, m in mounts.items()}
    assert found == wanted, f"{program}: mounts (kind, read-only) {found}, compose.yaml {wanted}"
    claims = {v["persistentVolumeClaim"]["claimName"] for v in volumes.values() if "persistentVolumeClaim" in v}
    assert all(find("PersistentVolumeClaim", c) for c in claims)


def test_the_ingress_body_size_is_the_front_upload_limit():
    ingress = find("Ingress", "front")
    size = ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"]
    upload = int(env("front")["HUBLOT_MAX_UPLOAD_BYTES"])
    assert quantity_bytes(size) == upload, f"Ingress body size {size}, the front's HUBLOT_MAX_UPLOAD_BYTES {upload}"
    assert upload <= int(env("classifier")["HUBLOT_MAX_BODY_BYTES"]), "the front's limit is above the classifier's"
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert find("Service", backend["name"])["spec"]["selector"] == {"app.kubernetes.io/name": "hublot-front"}


def test_selectors_and_targets_name_existing_pods():
    deployments = {o["metadata"]["name"]: o for o in base_objects() if o["kind"] == "Deployment"}
    for d in deployments.values():
        labels = d["spec"]["template"]["metadata"]["labels"]
        assert d["spec"]["selector"]["matchLabels"].items() <= labels.items(), d["metadata"]["name"]
    pod_labels = [d["spec"]["template"]["metadata"]["labels"] for d in deployments.values()]
    for obj in base_objects():
        selector = {"Service": lambda o: o["spec"]["selector"],
                    "PodDisruptionBudget": lambda o: o["spec"]["selector"]["matchLabels"]}.get(obj["kind"])
        if selector:
            assert any(selector(obj).items() <= labels.items() for labels in pod_labels), (
                f"{obj['kind']}/{obj['metadata']['name']} selects no pod: {selector(obj)}")
    for hpa in [o for o in base_objects() if o["kind"] == "HorizontalPodAutoscaler"] + documents(OPTIONAL_HPA):
        target = hpa["spec"]["scaleTargetRef"]
        assert target["kind"] == "Deployment" and target["name"] in deployments, f"HPA targets {target}"


# --- the prepare-per-pod overlay ----------------------------------------------------------------

def test_the_per_pod_init_is_the_jobs_init():
    """One hublot-init container, written twice (the Job's and the initContainer): the same."""
    job = container("init")
    init, = pod_spec(find("Deployment", "classifier", per_pod_objects()))["initContainers"]
    differing = {k: (init.get(k), job.get(k)) for k in set(init) | set(job) if init.get(k) != job.get(k)}
    assert not differing, f"prepare-per-pod's initContainer differs from base/init-job.yaml's: {differing}"


def test_the_per_pod_overlay_prepares_into_an_empty_dir_and_leaves_no_claim():
    objects = per_pod_objects()
    assert not [o for o in objects if o["kind"] in ("Job", "PersistentVolumeClaim")], "a Job or a claim is left"
    classifier = find("Deployment", "classifier", objects)
    volumes = {v["name"]: v for v in pod_spec(classifier)["volumes"]}
    assert all("persistentVolumeClaim" not in v for v in volumes.values()), f"volumes {volumes}"
    for c in containers(classifier):
        for mount in c.get("volumeMounts", []):
            assert "emptyDir" in volumes[mount["name"]], f"{c['name']} mounts {mount['name']}, not an emptyDir"


# --- the queue-time autoscaler --------------------------------------------------------------

def test_the_queue_time_autoscaler_uses_the_classifier_metric():
    descriptor = re.search(r'descriptor\("queue_wait", unit: "seconds"',
                           (ROOT / "Sources/HublotClassifier/Metrics/ClassifierMetrics.swift").read_text())
    assert descriptor, "ClassifierMetrics no longer names hublot_queue_wait_seconds: update the adapter rule"
    histogram = "hublot_queue_wait_seconds"
    assert histogram in (ROOT / "docs/api.md").read_text(), f"docs/api.md does not document {histogram}"
    rule, = documents(ADAPTER_RULES)[0]["rules"]["custom"]
    assert f"{histogram}_count" in rule["seriesQuery"], rule["seriesQuery"]
    query = rule["metricsQuery"]
    assert re.search(rf"rate\({histogram}_sum\{{<<.LabelMatchers>>\}}\[\w+\]\).*/.*rate\({histogram}_count"
                     rf"\{{<<.LabelMatchers>>\}}\[\w+\]\)", query), f"not sum rate / count rate: {query}"
    hpa, = documents(OPTIONAL_HPA)
    names = [m["pods"]["metric"]["name"] for m in hpa["spec"]["metrics"] if m["type"] == "Pods"]
    assert names == [rule["name"]["as"]], f"the autoscaler reads {names}, the adapter serves {rule['name']['as']}"


def test_the_queue_time_autoscaler_replaces_the_cpu_one():
    """Two autoscalers on one Deployment fight: the optional one has the base one's name and keeps its CPU metric."""
    hpa, = documents(OPTIONAL_HPA)
    base = find("HorizontalPodAutoscaler", hpa["metadata"]["name"])
    assert hpa["metadata"]["namespace"] == kustomization(BASE)["namespace"]
    assert hpa["spec"]["scaleTargetRef"] == base["spec"]["scaleTargetRef"]
    assert [m for m in hpa["spec"]["metrics"] if m["type"] == "Resource"] == base["spec"]["metrics"]


# --- the documentation -------------------------------------------------------------------------

def test_the_docs_state_the_validated_version_and_the_metric():
    text = (ROOT / "docs/scaling.md").read_text(encoding="utf-8")
    assert f"Kubernetes {KUBERNETES_VERSION}" in text, f"docs/scaling.md does not name Kubernetes {KUBERNETES_VERSION}"
    assert "no cluster runs these manifests in ci" in text.lower(), "docs/scaling.md must say no cluster runs them"
    assert "hublot_queue_wait_seconds_sum" in text and "hublot_queue_wait_seconds_count" in text
