"""`selloff classroom` as a user runs it: bad input is one line and exit 2; the server binds
loopback unless --host says otherwise (with a warning); SIGTERM and Ctrl-C stop it and every
process it started; a SIGKILL loses no order that reached the world (the log replays it); the
example student bot trades through the API against a real server.
"""

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from floor_client import ADMIN, CODE, SEED, Client, slow_floor, small_deepseek, small_sets, wait_for

from scenarios.cli import main
from scenarios.floor import replay
from scenarios.floor.session import FloorSession
from viz.floor import start

ROOT = Path(__file__).resolve().parents[1]
SMALL = [a for s in small_sets(2) for a in ("--set", s)]


@pytest.mark.parametrize("argv, where", [
    (["classroom", "nosuch"], "SCENARIO"),
    (["classroom", "deepseek", "--set", "floor.cash=-5"], "floor.cash"),
    (["classroom", "deepseek", "--set", "floor.bogus=1"], "floor.bogus"),
    (["classroom", "deepseek", "--set", "floor.max_leverage=yes"], "floor.max_leverage"),
    (["classroom", "deepseek", "--set", "floor.maintenance=0.6"], "floor.maintenance"),
    (["classroom", "deepseek", "--set", "floor.start_day=6"], "floor.start_day"),
    (["classroom", "deepseek", "--set", "days=0"], "days"),
    (["classroom", "deepseek", "--speed", "0"], "--speed"),
    (["classroom", "deepseek", "--speed", "fast"], "--speed"),
    (["classroom", "deepseek", "--port", "70000"], "--port"),
    (["classroom", "deepseek", "--port", "-1"], "--port"),
    (["classroom", "deepseek", "--code", "a b c d"], "--code"),
    (["classroom", "deepseek", "--code", "abc"], "--code"),
    (["classroom", "deepseek", "--admin-code", "x" * 65], "--admin-code"),
    (["classroom", "deepseek", "--code", "SAME1", "--admin-code", "SAME1"], "--admin-code"),
    (["classroom", "deepseek", "--host", "example.com"], "--host"),
    (["classroom", "deepseek", "--seed", "-3"], "--seed"),
    (["classroom", "deepseek", "--out", ""], "--out"),
])
def test_bad_input_is_one_line_naming_the_field_and_exit_2(argv, where, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and where in err and "Traceback" not in err, err


def test_an_out_folder_with_foreign_files_and_a_port_in_use_are_refused(tmp_path, capsys):
    (tmp_path / "mine.txt").write_text("not selloff's")
    assert main(["classroom", "deepseek", "--out", str(tmp_path)]) == 2
    assert "--out" in capsys.readouterr().err
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert main(["classroom", "deepseek", "--port", str(port), "--out",
                     str(tmp_path / "new")]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "--port" in err
    assert not (tmp_path / "new").exists()


def _serve(tmp_path, *extra):
    """`selloff classroom` on a free port in its own process group; (process, url, out)."""
    out = tmp_path / "session"
    log = open(tmp_path / "server.log", "w")  # noqa: SIM115 (closed by the caller's kill)
    proc = subprocess.Popen(
        [sys.executable, "-m", "scenarios.cli", "classroom", "deepseek", "--port", "0",
         "--code", CODE, "--admin-code", ADMIN, "--seed", str(SEED), "--out", str(out),
         "--speed", "0.05", *SMALL, *extra], stdout=subprocess.PIPE, stderr=log, text=True,
        start_new_session=True, cwd=ROOT)
    url = None
    lines = []
    for _ in range(50):
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "students:" in line:
            url = line.split()[1].rstrip("/")
            break
    assert url, "".join(lines) + (tmp_path / "server.log").read_text()
    return proc, url, out


def _children(pid: int) -> list[int]:
    out = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                if int((p / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(p.name))
            except (OSError, IndexError, ValueError):
                pass
    return out


def _client(url: str) -> Client:
    host, port = url.removeprefix("http://").split(":")
    return Client(host, int(port))


def test_sigterm_stops_the_server_its_thread_and_the_debrief_process(tmp_path):
    proc, url, out = _serve(tmp_path, "--set", "floor.debrief_channels=true")
    try:
        assert url.startswith("http://127.0.0.1:")  # loopback by default
        anon = _client(url)
        admin = anon.join("teacher", ADMIN)
        ann = anon.join("Ann")
        admin.call("POST", "/api/control", {"action": "start"})
        ann.call("POST", "/api/orders", {"ticker": "NVDA", "side": "buy", "qty": 10,
                                         "type": "market"})
        # deepseek's first shock is Friday's pre-open news (minute 0), then one during the day
        admin.call("POST", "/api/control", {"action": "next_shock"})
        wait_for(lambda: anon.call("GET", "/api/market")[1]["minute"] >= 1, 60, "a jump")
        admin.call("POST", "/api/control", {"action": "next_shock"})
        wait_for(lambda: len(anon.call("GET", "/api/market")[1]["news"]) >= 2, 60, "the jump")
        admin.call("POST", "/api/control", {"action": "end"})
        kids = wait_for(lambda: _children(proc.pid), 30, "the debrief's process")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
        wait_for(lambda: not any(Path(f"/proc/{k}").exists() for k in kids), 30,
                 "the debrief's process to end")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert (out / "session.jsonl").exists() and (out / "fills.csv").exists()
    assert (out / "leaderboard.csv").read_text().splitlines()[1].split(",")[1] == "Ann"


def test_ctrl_c_stops_it_too_and_other_hosts_get_a_warning(tmp_path):
    proc, url, _ = _serve(tmp_path, "--host", "0.0.0.0")
    try:
        assert url.startswith("http://0.0.0.0:")
        st, doc, _ = _client(url.replace("0.0.0.0", "127.0.0.1")).call("GET", "/api/market")
        assert st == 200 and doc["state"] == "not_started"
        proc.send_signal(signal.SIGINT)
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    err = (tmp_path / "server.log").read_text()
    assert "warning: --host 0.0.0.0" in err and "Traceback" not in err


def test_a_killed_server_loses_no_order_that_reached_the_world(tmp_path):
    proc, url, out = _serve(tmp_path)
    try:
        anon = _client(url)
        admin = anon.join("teacher", ADMIN)
        ann = anon.join("Ann")
        admin.call("POST", "/api/control", {"action": "start"})
        admin.call("POST", "/api/control", {"action": "pause"})
        for i in range(3):
            st, doc, _ = ann.call("POST", "/api/orders", {"ticker": "NVDA", "side": "buy",
                                                          "qty": 20 + i, "type": "market"})
            assert st == 200, doc
            m0 = anon.call("GET", "/api/market")[1]["minute"]
            admin.call("POST", "/api/control", {"action": "step", "minutes": 2})
            wait_for(lambda m0=m0: anon.call("GET", "/api/market")[1]["minute"] >= m0 + 2)
        me = ann.call("GET", "/api/me?fills=all")[1]
        reached = me["minute"]
        assert me["fills_total"] > 0
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    r = replay(out / "session.jsonl", until=reached)
    fills = [dict(f, price=f["price"] / 100) for f in r.students[0].fills]
    assert fills == me["fills"]
    assert r.account(0)[0] / 100 == me["cash"]


def test_the_example_bot_trades_through_the_api(tmp_path):
    s = FloorSession(small_deepseek(), slow_floor("floor.speed=20"), seed=SEED)
    srv, _ = start(s, code=CODE, admin_code=ADMIN)
    try:
        url = f"http://127.0.0.1:{srv.server_address[1]}"
        admin = _client(url).join("teacher", ADMIN)
        bot = subprocess.Popen([sys.executable, str(ROOT / "docs" / "student_bot.py"), "--url",
                                url, "--code", CODE, "--name", "robo", "--minutes", "40",
                                "--poll", "0.2", "--edge", "0.05"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        wait_for(lambda: "robo" in s.names, 30, "the bot to join")
        admin.call("POST", "/api/control", {"action": "start"})
        text, _ = bot.communicate(timeout=120)
        assert bot.returncode == 0, text
        assert "joined as robo" in text and "order " in text and "done:" in text
        w = s.world
        mine = [o for o in w.orders.values() if o.student == 0]
        assert len(mine) >= 2 and any(o.kind == "limit" for o in mine)
        # what the bot says it ended with is the server's account
        last = text.strip().splitlines()[-1]
        cash = float(last.split("cash ")[1].split(",")[0])
        assert cash == pytest.approx(w.account(0)[0] / 100, abs=0.005)
        # it cancelled what it left: a resting order's cancel enters at the next minute
        m = s.world.minutes_done
        wait_for(lambda: s.world.minutes_done >= m + 2, 30, "two more minutes")
        assert not [o for o in w.orders.values() if o.student == 0 and o.status == "open"]
    finally:
        srv.shutdown()
        srv.server_close()
        s.close()


def test_the_bots_helpers_speak_the_contract():
    sys.path.insert(0, str(ROOT / "docs"))
    try:
        import student_bot
    finally:
        sys.path.pop(0)
    args = type("A", (), {"edge": 1.0, "qty": 7})()
    todo = student_bot.decide({"bid": 99.9, "ask": 100.1, "last": 100.0}, 0, [], args)
    assert todo == [("buy", 7, 99.0)]
    todo = student_bot.decide({"bid": 99.9, "ask": 100.1, "last": 100.0}, 3,
                              [{"id": 5, "side": "buy", "price": 80.0}], args)
    assert todo == [("cancel", 5), ("buy", 7, 99.0), ("sell", 3, 101.0)]
    assert json.loads(json.dumps(todo))  # plain data


def test_a_student_may_order_the_moment_they_join_and_a_reset_opens_each_account_once():
    s = FloorSession(small_deepseek(), slow_floor(), seed=SEED)
    try:
        s.control({"action": "start"})
        s.control({"action": "pause"})
        ids = []
        for i in range(8):  # no wait between the join and the order
            k = s.join(f"quick{i}")
            ids.append(s.place(k, {"ticker": "NVDA", "side": "buy", "qty": 1,
                                   "type": "market"})["id"])
        s.control({"action": "reset"})
        s.join("late")  # may arrive while the new world is being built
        wait_for(lambda: s.state == "not_started" and len(s.snapshot.students) == 9, 30)
        assert [st.name for st in s.world.students] == [f"quick{i}" for i in range(8)] + [
            "late"]
        assert len(set(ids)) == 8
    finally:
        s.close()
