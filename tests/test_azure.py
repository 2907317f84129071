"""--provider azure: the AzureOpenAI client against an Azure-shaped server on 127.0.0.1 (URL layout, api-key header,
API version), its prices, and its batch API."""

import json
from pathlib import Path

from typer.testing import CliRunner

from polis_seed import cli
from tests.azure_proxy import AzureProxy
from tests.batch_server import BatchServer
from tests.fault_server import FaultServer

DATA = Path(__file__).parent / "data"
runner = CliRunner()
KEY = "azure-test-key"


def generate(tmp_path, endpoint, *extra, env=None):
    return runner.invoke(cli.app, [
        "generate", str(DATA / "facility_booking_ja.md"), "-o", str(tmp_path / "s.jsonl"), "--angles",
        str(DATA / "two_angles.yaml"), "--per-angle", "2", "--provider", "azure", "--base-url", endpoint,
        "--model", "seeds-gpt4o-mini", "--strategy", "sentence", "--cache-dir", str(tmp_path / "cache"),
        "--no-stance-check", "--topic", "公共施設予約のオンライン化", *extra], env=env or {"AZURE_OPENAI_API_KEY": KEY})


def test_azure_calls_the_deployment_with_its_key_and_api_version_and_prices_the_model_behind_it(tmp_path):
    with FaultServer() as upstream, AzureProxy(upstream.base_url[:-len("/v1")], KEY) as azure:
        result = generate(tmp_path, azure.endpoint, "--azure-model", "gpt-4o-mini")
        assert result.exit_code == 0, result.output
        chats = [seen for seen in azure.seen if seen["deployment"]]
        assert chats and all(seen["deployment"] == "seeds-gpt4o-mini" and seen["api_version"] == "2024-10-21"
                             and seen["api_key"] == KEY for seen in chats)
    statements = (tmp_path / "s.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(statements) == 4
    report = json.loads((tmp_path / "s.report.json").read_text(encoding="utf-8"))
    assert report["usage"]["provider"] == "azure" and report["usage"]["usd"] > 0  # priced as azure/gpt-4o-mini


def test_azure_settings_come_from_its_variables_and_a_wrong_api_version_is_a_failed_request(tmp_path):
    with FaultServer() as upstream, AzureProxy(upstream.base_url[:-len("/v1")], KEY, api_version="2025-01-01") as azure:
        env = {"AZURE_OPENAI_API_KEY": KEY, "AZURE_OPENAI_ENDPOINT": azure.endpoint,
               "AZURE_OPENAI_DEPLOYMENT": "from-the-variable", "AZURE_OPENAI_API_VERSION": "2025-01-01"}
        result = runner.invoke(cli.app, [
            "generate", str(DATA / "facility_booking_ja.md"), "-o", str(tmp_path / "s.jsonl"), "--angles",
            str(DATA / "two_angles.yaml"), "--per-angle", "1", "--provider", "azure", "--strategy", "sentence",
            "--cache-dir", str(tmp_path / "cache"), "--no-stance-check", "--topic", "公共施設予約のオンライン化"], env=env)
        assert result.exit_code == 0, result.output
        assert {seen["deployment"] for seen in azure.seen if seen["deployment"]} == {"from-the-variable"}
        wrong = generate(tmp_path / "wrong", azure.endpoint, "--api-version", "2024-10-21")
        assert wrong.exit_code == 1 and "Resource not found" in wrong.output


def test_azure_without_an_endpoint_or_a_key_names_what_to_set(tmp_path):
    no_endpoint = runner.invoke(cli.app, ["generate", str(DATA / "facility_booking_ja.md"), "-o",
                                          str(tmp_path / "s.jsonl"), "--provider", "azure", "--model", "d"],
                                env={"AZURE_OPENAI_API_KEY": KEY})
    assert no_endpoint.exit_code == 2 and "AZURE_OPENAI_ENDPOINT" in no_endpoint.output
    no_key = runner.invoke(cli.app, ["generate", str(DATA / "facility_booking_ja.md"), "-o", str(tmp_path / "s.jsonl"),
                                     "--provider", "azure", "--model", "d"],
                           env={"AZURE_OPENAI_ENDPOINT": "https://example.openai.azure.com"})
    assert no_key.exit_code == 2 and "AZURE_OPENAI_API_KEY" in no_key.output


def test_azure_batch_submits_each_round_through_its_batch_api(tmp_path):
    with BatchServer() as upstream, AzureProxy(upstream.root, KEY) as azure:
        def run():
            return generate(tmp_path, azure.endpoint, "--batch-dir", str(tmp_path / "b"), "--batch")

        first = run()
        assert first.exit_code == 0, first.output
        record = json.loads((tmp_path / "b" / "round-1.batch.json").read_text(encoding="utf-8"))
        assert record["provider"] == "azure" and record["batch_id"] in upstream.batches
        batch = upstream.batches[record["batch_id"]]
        assert batch["endpoint"] == "/chat/completions"
        assert all(line["url"] == "/chat/completions" and line["body"]["model"] == "seeds-gpt4o-mini"
                   for line in batch["lines"])
        assert {seen["path"] for seen in azure.seen} >= {"/openai/files", "/openai/batches"}
        assert run().exit_code == 0  # still in progress at its first poll
        done = run()
        assert done.exit_code == 0, done.output
        assert (tmp_path / "b" / "round-1.results.jsonl").is_file()
