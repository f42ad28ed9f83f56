"""The GUI's details say how the mail server sees this computer and what blocklists say."""

from __future__ import annotations

import pytest

from tests.conftest import PBL_IP
from tests.support.dovecot_server import GOOD_PASSWORD
from tests.support.gui import fill_account, run_checks_and_wait
from tests.support.proxy_front import ProxyFront
from wizard.checks.options import CheckOptions
from wizard.flow import CheckState, WizardFlow
from wizard.provider import parse_provider
from wizard.ui.wizard_window import MailSetupWizard

pytestmark = [pytest.mark.gui, pytest.mark.dovecot]


def test_details_show_the_address_the_mail_server_sees_and_the_pbl_warning(
    qtbot, haraka_public, dovecot, dnsbl, screenshot
):
    front = ProxyFront(haraka_public.submission_port, PBL_IP).start()
    try:
        provider = parse_provider(haraka_public.provider_xml(smtp_port=front.port).encode())
        wiz = MailSetupWizard(
            WizardFlow(provider, platform="linux"),
            options=CheckOptions(ca_file=dovecot.ca_pem, dnsbl_server=dnsbl.address),
        )
        qtbot.addWidget(wiz)
        wiz.resize(760, 600)
        wiz.show()
        qtbot.waitExposed(wiz)
        fill_account(qtbot, wiz, password=GOOD_PASSWORD)
        run_checks_and_wait(qtbot, wiz)
        assert wiz.flow.check_state is CheckState.PASSED  # a PBL listing is only a warning
        page = wiz.checking_page
        page.details_button.click()
        details = page.details.toPlainText()
        assert f"The mail server sees this computer as {PBL_IP}" in details
        assert f"Blocklist: {PBL_IP} on zen.spamhaus.org: LISTED" in details
        assert "Spamhaus PBL" in details
        screenshot(wiz, "05-checking-seen-address-details")
    finally:
        front.stop()
