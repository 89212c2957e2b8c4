"""The plan, organisation and round pages lead to their dashboards; every page leads to the rules."""

import pytest
from django.urls import reverse

from tidtam.accounts.choices import Role
from tidtam.core.testing import OrganisationFactory, client_for, member, rollup_world

pytestmark = pytest.mark.django_db


def test_pages_link_to_their_dashboards_and_the_rules():
    world = rollup_world()
    node, ministry = world["nodes"]["0101"], world["orgs"]["min"]
    round_ = world["reports"][0].round
    framework = world["version"].framework
    reviewer = client_for(member(Role.REVIEWER, OrganisationFactory()))
    pages = {
        reverse("plans:node", args=[node.pk]): reverse("dashboards:node", args=[node.pk]),
        reverse("organisations:detail", args=[ministry.code]): reverse("dashboards:organisation", args=[ministry.code]),
        reverse("reporting:round_detail", args=[round_.pk]): reverse("dashboards:round", args=[round_.pk]),
        reverse(
            "plans:framework", args=[framework.code]
        ): f"{reverse('dashboards:national')}?framework={framework.code}",
    }
    for page, dashboard in pages.items():
        html = reviewer.get(page).content.decode()
        assert f'href="{dashboard}"' in html, page
        assert f'href="{reverse("evaluation:rules")}"' in html, page
