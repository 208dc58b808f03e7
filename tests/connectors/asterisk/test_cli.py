"""Every ``dozor asterisk`` command explains itself."""

import pytest
from click.testing import CliRunner

from dozor.cli import main

COMMANDS = ["import-queue-log", "follow-queue-log", "ami", "import-cdr"]


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_every_asterisk_command_has_help(command: str) -> None:
    result = CliRunner().invoke(main, ["asterisk", *command.split(), "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage: " in result.output


def test_ami_needs_a_secret() -> None:
    result = CliRunner().invoke(
        main, ["asterisk", "ami", "--username", "dozor"], env={"DOZOR_AMI_SECRET": ""}
    )
    assert result.exit_code == 2 and "give the AMI secret" in result.output


def test_a_channel_must_leave_room_for_the_ids() -> None:
    result = CliRunner().invoke(
        main, ["asterisk", "import-queue-log", __file__, "--channel", "x" * 101]
    )
    assert result.exit_code == 2 and "1 to 100 characters" in result.output
