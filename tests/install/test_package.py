# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""The Debian package (label install): cpack -G DEB makes multitarefas_VERSION_ARCH.deb from the tests' build, with
the dependencies dpkg-shlibdeps computes from the programs; it installs (dpkg -i), its programs run from PATH and
its man pages are found, and dpkg -r removes every file it brought. The package is removed (and purged) at the end
whatever happens, so the machine is left as it was. Needs root and dpkg; skipped where the package is installed
already (someone's own, left alone)."""
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from conftest import BUILD_DIR, built_programs, clean_env, need_installable, version

PACKAGE = "multitarefas"


def need_dpkg():
    need_installable()
    missing = [tool for tool in ("cpack", "dpkg", "dpkg-deb", "dpkg-shlibdeps") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not found: the package test needs Debian's dpkg-dev")
    if os.geteuid() != 0:
        pytest.skip("installing a package needs root")
    if installed_version() is not None:
        pytest.skip(f"a {PACKAGE} package is installed already: left alone")


def installed_version():
    status = subprocess.run(["dpkg-query", "-W", "-f", "${Status} ${Version}", PACKAGE], capture_output=True,
                            text=True, timeout=30)
    words = status.stdout.split()
    return words[-1] if status.returncode == 0 and "installed" in words[:3] else None


def dpkg(*args, timeout=120):
    """dpkg ARGS, waiting (up to TIMEOUT seconds) while another package manager holds its lock."""
    deadline = time.monotonic() + timeout
    while True:
        result = subprocess.run(["dpkg", *args], capture_output=True, text=True, timeout=timeout,
                                env=dict(clean_env(), DEBIAN_FRONTEND="noninteractive"))
        if result.returncode == 0 or "lock" not in result.stderr or time.monotonic() > deadline:
            return result
        time.sleep(2)


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    need_dpkg()
    out = tmp_path_factory.mktemp("package")
    made = subprocess.run(["cpack", "-G", "DEB", "-B", str(out), "--config", str(BUILD_DIR / "CPackConfig.cmake")],
                          capture_output=True, text=True, timeout=240, cwd=BUILD_DIR)
    assert made.returncode == 0, made.stdout + made.stderr
    return out


def test_cpack_names_the_package_and_computes_its_dependencies(package):
    arch = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True, timeout=30).stdout.strip()
    debs = sorted(p.name for p in package.glob("*.deb"))
    assert debs == [f"{PACKAGE}_{version()}_{arch}.deb"]
    depends = subprocess.run(["dpkg-deb", "-f", str(package / debs[0]), "Depends"], capture_output=True, text=True,
                             timeout=30).stdout
    names = {entry.split()[0] for entry in re.split(r"[,|]", depends) if entry.strip()}
    assert "python3" in names and "libjansson4" in names, depends
    assert any(n.startswith(("libgomp", "libomp")) for n in names), depends
    if "download" in built_programs():
        assert any(n.startswith("libcurl") for n in names), depends
    if "cube_mpi" in built_programs():
        assert any(n.startswith(("libopenmpi", "libmpich")) for n in names), depends


def test_package_installs_runs_from_path_and_removes_cleanly(package, tmp_path):
    deb = next(package.glob("*.deb"))
    try:
        installed = dpkg("-i", str(deb))
        assert installed.returncode == 0, installed.stdout + installed.stderr
        listed = subprocess.run(["dpkg", "-L", PACKAGE], capture_output=True, text=True, timeout=30).stdout.split("\n")
        files = [Path(p) for p in listed if p and Path(p).is_file()]
        assert Path("/usr/bin/cube_omp") in files and Path("/usr/share/multitarefas/scripts/lib.sh") in files
        env = clean_env()
        for program in built_programs():
            assert shutil.which(program, path=env["PATH"]) == f"/usr/bin/{program}"
            version = subprocess.run([program, "--version"], capture_output=True, text=True, timeout=60, env=env,
                                     cwd=tmp_path)
            assert version.returncode == 0 and version.stdout.startswith(f"{program} (multitarefas) "), version.stderr
        result = subprocess.run(["cube_omp", "-t", "2", "--delay", "0", "5", "6"], capture_output=True, text=True,
                                timeout=60, env=env, cwd=tmp_path)
        assert result.returncode == 0 and "6 ^ 3 = 216" in result.stdout, result.stderr
        # (a system whose dpkg leaves out /usr/share/man, as container images do, has no page to find)
        if shutil.which("man") and any(str(f).startswith("/usr/share/man/man1/cube_omp.1") for f in files):
            page = subprocess.run(["man", "-w", "cube_omp"], capture_output=True, text=True, timeout=30, env=env)
            assert page.stdout.strip().startswith("/usr/share/man/man1/cube_omp.1"), page.stdout + page.stderr
        removed = dpkg("-r", PACKAGE)
        assert removed.returncode == 0, removed.stdout + removed.stderr
        left = [str(f) for f in files if f.exists()]
        assert not left, left
        assert installed_version() is None
    finally:
        if installed_version() is not None or subprocess.run(["dpkg-query", "-W", PACKAGE], capture_output=True,
                                                             timeout=30).returncode == 0:
            dpkg("--purge", PACKAGE)
