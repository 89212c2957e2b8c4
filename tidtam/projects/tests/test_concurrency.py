"""Two editors save the same project version at the same moment: exactly one wins, the other gets 409 and its parts
are not mixed into the winner's (PostgreSQL only: SQLite serialises writers before they race)."""

import threading

import pytest
from django.db import connection, connections

from tidtam.core.errors import Conflict
from tidtam.core.models import AuditEntry
from tidtam.projects.models import Project
from tidtam.projects.services import project_update
from tidtam.projects.tests.factories import make_project

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a real race needs PostgreSQL"),
]


def test_two_simultaneous_updates_one_wins(orgs, people, plan):
    project = make_project(orgs.division, people["reporter"], plan, provinces=["10"])
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def edit(name: str, provinces: list[str], kpi: str) -> None:
        try:
            mine = Project.objects.get(pk=project.pk)
            barrier.wait(timeout=10)
            project_update(
                actor=people["reporter"],
                project=mine,
                version=1,
                name_th=f"แก้โดย {name}",
                provinces=provinces,
                kpis=[{"name": kpi, "unit": "ครั้ง", "target_value": 1}],
            )
            outcomes[name] = "saved"
        except Conflict as error:
            outcomes[name] = error
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=edit, args=("a", ["50"], "ตัวชี้วัด ก")),
        threading.Thread(target=edit, args=("b", ["20", "30"], "ตัวชี้วัด ข")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(str(type(v).__name__) for v in outcomes.values()) == ["Conflict", "str"]
    winner = next(name for name, value in outcomes.items() if value == "saved")
    loser = "b" if winner == "a" else "a"
    assert outcomes[loser].code == "stale_version"
    project.refresh_from_db()
    assert project.version == 2 and project.name_th == f"แก้โดย {winner}"
    expected = {"a": (["50"], ["ตัวชี้วัด ก"]), "b": (["20", "30"], ["ตัวชี้วัด ข"])}[winner]
    assert sorted(project.provinces.values_list("code", flat=True)) == expected[0]
    assert list(project.kpis.values_list("name", flat=True)) == expected[1]
    assert AuditEntry.objects.filter(object_type="project", object_id=str(project.pk), action="update").count() == 1
