"""The dbt resource skips `dbt --version` on every run; that is only right while the executable it runs is the
dbt-core installed in this virtualenv."""

from __future__ import annotations

import re
import subprocess

from orchestration.project import dbt_project
from orchestration.resources import LagesbildDbtCliResource, dbt_executable


def test_the_assumed_dbt_version_is_the_executables():
    resource = LagesbildDbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())
    printed = subprocess.run([dbt_executable(), "--version"], capture_output=True, text=True, check=True).stdout
    installed = re.search(r"installed:\s*(\d+\.\d+\.\d+)", printed)
    assert installed, printed
    assert str(resource._cli_version) == installed.group(1)
    assert resource._initialize_dbt_core_adapter(["build"]) is None
