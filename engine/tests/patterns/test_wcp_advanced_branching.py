"""Advanced branching and synchronisation: WCP-6..9, 28..33, 37, 38, 41, 42.

Several of these patterns count arrivals (discriminators, partial joins, thread merge). A net
counts with a chain of dummy AND-joins over one place: ``C1: p + ready -> got1``,
``C2: p + got1 -> got2``, ... where ``ready`` is a control token put down by the split that
opened the block. The engine's rules make this exact: a condition counts its tokens, a dummy
fires as soon as its join holds, and only the link whose control token is present can take
the next token from ``p``.
"""

from __future__ import annotations

import pytest

from .harness import dummy, manual, net

# ---------------------------------------------------------------------- WCP-6, WCP-7


def _or_split_net(name: str) -> dict:
    return net(
        name,
        [manual("A", split="or"), manual("B"), manual("C"), manual("D"), manual("E", join="or")],
        [
            ("start", "A"),
            ("A", "B", {"when": "data.b"}),
            ("A", "C", {"when": "data.c"}),
            ("A", "D", {"default": True}),
            ("B", "E"),
            ("C", "E"),
            ("D", "E"),
            ("E", "end"),
        ],
    )


@pytest.mark.parametrize(
    "b, c, chosen",
    [
        (True, True, ["B", "C"]),
        (False, True, ["C"]),
        (False, False, ["D"]),  # the default flow only when no predicate holds
    ],
)
def test_wcp06_multi_choice(wf, b, c, chosen):
    wf.publish(_or_split_net("wcp06"))
    run = wf.start("wcp06")
    run.expect(enabled=["A"])
    run.complete("A", {"b": b, "c": c}).expect(enabled=chosen)
    for task in chosen:
        run.complete(task)
    run.expect(enabled=["E"])
    run.complete("E").expect(state="completed")


def test_wcp07_structured_synchronizing_merge(wf):
    wf.publish(_or_split_net("wcp07"))
    run = wf.start("wcp07")
    run.complete("A", {"b": True, "c": True}).expect(enabled=["B", "C"])
    run.complete("B").expect(enabled=["C"])  # E waits: C was chosen and can still arrive
    run.start_task("C").expect(started=["C"])
    run.complete("C").expect(enabled=["E"], marking={"B__to__E": 1, "C__to__E": 1})
    run.complete("E").expect(state="completed")
    assert run.completions("E") == 1

    # only one branch chosen: E does not wait for the others
    run = wf.start("wcp07")
    run.complete("A", {"b": False, "c": True}).expect(enabled=["C"])
    run.complete("C").expect(enabled=["E"])
    run.complete("E").expect(state="completed")


# ---------------------------------------------------------------------- WCP-8


@pytest.mark.roundtrip
def test_wcp08_multi_merge(wf):
    wf.publish(
        net(
            "wcp08",
            [
                dummy("A", split="and"),
                manual("B"),
                manual("C"),
                manual("D"),
                dummy("M1", join="and"),
                dummy("M2", join="and"),  # the end after D's 2nd run
            ],
            [
                ("start", "A"),
                ("A", "B"),
                ("A", "C"),
                ("A", "ready"),
                ("B", "p"),
                ("C", "p"),
                ("p", "D"),  # both branches put a token in p
                ("D", "q"),
                ("q", "M1"),
                ("ready", "M1"),
                ("M1", "q1"),
                ("q", "M2"),
                ("q1", "M2"),
                ("M2", "end"),
            ],
        )
    )
    run = wf.start("wcp08")
    run.expect(enabled=["B", "C"])
    run.complete("B").expect(enabled=["C", "D"])
    run.complete("C").expect(enabled=["D"], marking={"p": 2, "ready": 1})
    run.start_task("D").expect(started=["D"], marking={"p": 1, "ready": 1})
    # the surplus token runs D again, as a new generation, once the first run is over
    run.complete("D").expect(enabled=["D"], marking={"p": 1, "q1": 1})
    assert run.task("D")["generation"] == 2
    run.complete("D").expect(state="completed")
    assert run.completions("D") == 2


# ---------------------------------------------------------------------- WCP-9, 28, 29


def test_wcp09_structured_discriminator(wf):
    """The first of three branches fires E; the other two are absorbed; the discriminator
    resets when all three have arrived (shown by a second round through the block)."""
    wf.publish(
        net(
            "wcp09",
            [
                manual("A", join="xor", split="and"),
                manual("B1"),
                manual("B2"),
                manual("B3"),
                dummy("D", join="and", split="and"),  # p + ready: fire
                dummy("X1", join="and"),
                dummy("X2", join="and"),  # p + wait1, p + wait2: absorb
                manual("E"),
                dummy("F", join="and", split="xor"),  # E done and block reset
            ],
            [
                ("start", "A"),
                ("A", "B1"),
                ("A", "B2"),
                ("A", "B3"),
                ("A", "ready"),
                ("B1", "p"),
                ("B2", "p"),
                ("B3", "p"),
                ("p", "D"),
                ("ready", "D"),
                ("D", "E"),
                ("D", "wait1"),
                ("p", "X1"),
                ("wait1", "X1"),
                ("X1", "wait2"),
                ("p", "X2"),
                ("wait2", "X2"),
                ("X2", "reset"),
                ("E", "e_done"),
                ("e_done", "F"),
                ("reset", "F"),
                ("F", "A", {"when": "data.round < 2"}),
                ("F", "end", {"default": True}),
            ],
        )
    )
    run = wf.start("wcp09")
    run.complete("A", {"round": 1}).expect(enabled=["B1", "B2", "B3"])
    run.start_task("B1").expect(enabled=["B2", "B3"], started=["B1"])
    run.complete("B2").expect(enabled=["B3", "E"], started=["B1"])  # the first arrival fires
    run.complete("B3").expect(enabled=["E"], started=["B1"], marking={"wait2": 1, "D__to__E": 1})  # ignored
    run.complete("E").expect(started=["B1"], marking={"wait2": 1, "e_done": 1})
    run.complete("B1").expect(enabled=["A"])  # all arrived: reset, and round 2
    run.complete("A", {"round": 2}).expect(enabled=["B1", "B2", "B3"])
    run.complete("B3").expect(enabled=["B1", "B2", "E"])
    run.complete("B1").complete("B2").expect(enabled=["E"], marking={"reset": 1, "D__to__E": 1})
    run.complete("E").expect(state="completed")
    assert run.completions("E") == 2 and run.completions("D") == 2


def _blocking_net(name: str, need: int) -> dict:
    """A blocking N-out-of-M join (M = 3 branches, N = need) that can see several waves.

    S puts two tokens before B1 (two waves on that branch) and one before B2 and B3. T_i lets
    a branch's token in only while free_i is marked (once per wave: a second token waits,
    which is the blocking); C_k counts arrivals; at N it also fires E; X absorbs the last
    arrivals; R resets the join (ready and every free_i back) once all M have arrived.
    """
    m = 3
    tasks = [dummy("S", split="and"), dummy("W"), manual("B1"), manual("B2"), manual("B3"), manual("E")]
    flows = [("start", "S"), ("S", "W"), ("W", "b1"), ("S", "b1"), ("S", "b2"), ("S", "b3"), ("S", "ready")]
    for i in range(1, m + 1):
        tasks.append(dummy(f"T{i}", join="and"))
        flows += [
            ("S", f"free{i}"),
            (f"b{i}", f"B{i}"),
            (f"B{i}", f"p{i}"),
            (f"p{i}", f"T{i}"),
            (f"free{i}", f"T{i}"),
            (f"T{i}", "seen"),
        ]
    counter = ["ready", *(f"got{k}" for k in range(1, m))] + ["reset"]
    for k in range(1, m + 1):
        cid = f"C{k}"
        tasks.append(dummy(cid, join="and", split="and"))
        flows += [("seen", cid), (counter[k - 1], cid), (cid, counter[k])]
        if k == need:
            flows.append((cid, "E"))
    tasks.append(dummy("R", split="and"))
    flows += [("reset", "R"), ("R", "ready"), *(("R", f"free{i}") for i in range(1, m + 1)), ("E", "end")]
    return net(name, tasks, flows)


def test_wcp28_blocking_discriminator(wf):
    wf.publish(_blocking_net("wcp28", need=1))
    run = wf.start("wcp28")
    run.expect(enabled=["B1", "B2", "B3"])
    run.complete("B1").expect(enabled=["B1", "B2", "B3", "E"])  # wave 1, first arrival: fire
    # wave 2 reaches branch 1 before wave 1 is over: it is blocked (waits in p1)
    run.complete("B1").expect(
        enabled=["B2", "B3", "E"],
        marking={"p1": 1, "b2": 1, "b3": 1, "got1": 1, "free2": 1, "free3": 1, "C1__to__E": 1},
    )
    run.complete("B2").expect(enabled=["B3", "E"], marking={"p1": 1, "b3": 1, "got2": 1, "free3": 1, "C1__to__E": 1})
    # wave 1 complete: reset; the blocked wave-2 token goes in and fires the discriminator again
    run.complete("B3").expect(enabled=["E"], marking={"got1": 1, "free2": 1, "free3": 1, "C1__to__E": 2})
    assert run.completions("C1") == 2 and run.completions("R") == 1
    run.complete("E").expect(state="completed")


def test_wcp29_cancelling_discriminator(wf):
    wf.publish(
        net(
            "wcp29",
            [
                dummy("A", split="and"),
                manual("B1"),
                manual("B2"),
                manual("B3"),
                dummy("D", cancels=["b1", "b2", "b3", "B1", "B2", "B3", "p"]),
                manual("E"),
            ],
            [
                ("start", "A"),
                ("A", "b1"),
                ("A", "b2"),
                ("A", "b3"),
                ("b1", "B1"),
                ("b2", "B2"),
                ("b3", "B3"),
                ("B1", "p"),
                ("B2", "p"),
                ("B3", "p"),
                ("p", "D"),
                ("D", "E"),
                ("E", "end"),
            ],
        )
    )
    run = wf.start("wcp29")
    run.expect(enabled=["B1", "B2", "B3"])
    run.start_task("B1").expect(enabled=["B2", "B3"], started=["B1"])
    b1 = run.item("B1")
    # the first arrival fires E and cancels the other branches, the running one included
    run.complete("B3").expect(enabled=["E"], marking={"D__to__E": 1})
    b1.refresh_from_db()
    assert b1.state == "canceled"
    assert run.task("B1")["state"] == "canceled" and run.task("B2")["state"] == "canceled"
    run.complete("E").expect(state="completed")


# ---------------------------------------------------------------------- WCP-30, 31, 32


def test_wcp30_structured_partial_join(wf):
    """2 out of 3: the second arrival fires E, the third is absorbed, then the block ends."""
    wf.publish(
        net(
            "wcp30",
            [
                manual("A", split="and"),
                manual("B1"),
                manual("B2"),
                manual("B3"),
                dummy("C1", join="and"),
                dummy("C2", join="and", split="and"),
                dummy("X", join="and"),
                manual("E"),
                dummy("F", join="and"),
            ],
            [
                ("start", "A"),
                ("A", "B1"),
                ("A", "B2"),
                ("A", "B3"),
                ("A", "ready"),
                ("B1", "p"),
                ("B2", "p"),
                ("B3", "p"),
                ("p", "C1"),
                ("ready", "C1"),
                ("C1", "got1"),
                ("p", "C2"),
                ("got1", "C2"),
                ("C2", "E"),
                ("C2", "got2"),
                ("p", "X"),
                ("got2", "X"),
                ("X", "reset"),
                ("E", "e_done"),
                ("e_done", "F"),
                ("reset", "F"),
                ("F", "end"),
            ],
        )
    )
    run = wf.start("wcp30")
    run.complete("A").expect(enabled=["B1", "B2", "B3"])
    run.complete("B2").expect(enabled=["B1", "B3"], marking={"got1": 1, "A__to__B1": 1, "A__to__B3": 1})
    run.complete("B1").expect(enabled=["B3", "E"])  # 2 of 3: fire
    run.complete("E").expect(enabled=["B3"])  # the block ends only when the last one is in
    run.complete("B3").expect(state="completed")
    assert run.completions("E") == 1


def test_wcp31_blocking_partial_join(wf):
    wf.publish(_blocking_net("wcp31", need=2))
    run = wf.start("wcp31")
    run.complete("B1").expect(
        enabled=["B1", "B2", "B3"], marking={"b1": 1, "b2": 1, "b3": 1, "got1": 1, "free2": 1, "free3": 1}
    )
    run.complete("B1").expect(
        enabled=["B2", "B3"],
        marking={  # wave 2 on branch 1: blocked
            "p1": 1,
            "b2": 1,
            "b3": 1,
            "got1": 1,
            "free2": 1,
            "free3": 1,
        },
    )
    run.complete("B3").expect(enabled=["B2", "E"])  # 2 of 3 (B1, B3): fire
    # wave 1 complete: reset; the blocked token counts as wave 2's first arrival
    run.complete("B2").expect(enabled=["E"], marking={"got1": 1, "free2": 1, "free3": 1, "C2__to__E": 1})
    assert run.completions("C2") == 1 and run.completions("R") == 1
    run.complete("E").expect(state="completed")


def test_wcp32_cancelling_partial_join(wf):
    wf.publish(
        net(
            "wcp32",
            [
                dummy("A", split="and"),
                manual("B1"),
                manual("B2"),
                manual("B3"),
                dummy("C1", join="and"),
                dummy("C2", join="and", cancels=["b1", "b2", "b3", "B1", "B2", "B3", "p"]),
                manual("E"),
            ],
            [
                ("start", "A"),
                ("A", "b1"),
                ("A", "b2"),
                ("A", "b3"),
                ("A", "ready"),
                ("b1", "B1"),
                ("b2", "B2"),
                ("b3", "B3"),
                ("B1", "p"),
                ("B2", "p"),
                ("B3", "p"),
                ("p", "C1"),
                ("ready", "C1"),
                ("C1", "got1"),
                ("p", "C2"),
                ("got1", "C2"),
                ("C2", "E"),
                ("E", "end"),
            ],
        )
    )
    run = wf.start("wcp32")
    run.start_task("B3")
    run.complete("B1").expect(enabled=["B2"], started=["B3"], marking={"b2": 1, "got1": 1})
    b3 = run.item("B3")
    run.complete("B2").expect(enabled=["E"], marking={"C2__to__E": 1})  # 2 of 3: fire, cancel B3
    b3.refresh_from_db()
    assert b3.state == "canceled" and run.task("B3")["state"] == "canceled"
    run.complete("E").expect(state="completed")


# ---------------------------------------------------------------------- WCP-33


def test_wcp33_generalised_and_join(wf):
    wf.publish(
        net(
            "wcp33",
            [
                dummy("S", split="and"),
                manual("B1"),
                manual("B2"),
                manual("C1"),
                manual("C2"),
                manual("J", join="and"),
                dummy("M1", join="and"),
                dummy("M2", join="and"),
            ],
            [
                ("start", "S"),
                ("S", "B1"),
                ("S", "B2"),
                ("S", "C1"),
                ("S", "C2"),
                ("S", "cnt"),
                ("B1", "p"),
                ("B2", "p"),
                ("C1", "r"),
                ("C2", "r"),
                ("p", "J"),
                ("r", "J"),
                ("J", "q"),
                ("q", "M1"),
                ("cnt", "M1"),
                ("M1", "q1"),
                ("q", "M2"),
                ("q1", "M2"),
                ("M2", "end"),
            ],
        )
    )
    run = wf.start("wcp33")
    run.expect(enabled=["B1", "B2", "C1", "C2"])
    run.complete("B1").complete("B2").expect(enabled=["C1", "C2"])  # two triggers on one input
    run.complete("C1").expect(enabled=["C2", "J"], marking={"p": 2, "r": 1, "cnt": 1, "S__to__C2": 1})
    # J fires once; the surplus token on p is kept for the next firing
    run.complete("J").expect(enabled=["C2"], marking={"p": 1, "q1": 1, "S__to__C2": 1})
    run.complete("C2").expect(enabled=["J"], marking={"p": 1, "r": 1, "q1": 1})
    run.complete("J").expect(state="completed")
    assert run.completions("J") == 2


# ---------------------------------------------------------------------- WCP-37, 38


def test_wcp37_local_synchronizing_merge(wf):
    """Acyclic but unstructured: B both feeds E and starts D, which may feed E again."""
    wf.publish(
        net(
            "wcp37",
            [
                manual("A", split="or"),
                manual("B", split="and"),
                manual("C"),
                manual("D", split="xor"),
                manual("E", join="or"),
            ],
            [
                ("start", "A"),
                ("A", "B", {"when": "data.b"}),
                ("A", "C", {"when": "data.c"}),
                ("B", "e1"),
                ("B", "D"),
                ("C", "e3"),
                ("D", "e2", {"when": "data.to == 'e2'"}),
                ("D", "e3", {"default": True}),
                ("e1", "E"),
                ("e2", "E"),
                ("e3", "E"),
                ("E", "end"),
            ],
        )
    )
    run = wf.start("wcp37")
    run.complete("A", {"b": True, "c": False}).expect(enabled=["B"])
    run.complete("B").expect(enabled=["D"], marking={"e1": 1, "B__to__D": 1})  # E waits for D
    run.complete("D", {"to": "e2"}).expect(enabled=["E"], marking={"e1": 1, "e2": 1})
    run.complete("E").expect(state="completed")

    run = wf.start("wcp37")
    run.complete("A", {"b": True, "c": True}).expect(enabled=["B", "C"])
    run.complete("C").expect(enabled=["B"], marking={"e3": 1, "A__to__B": 1})
    run.complete("B").expect(enabled=["D"])
    run.complete("D", {"to": "e3"}).expect(enabled=["E"], marking={"e1": 1, "e3": 2})
    run.complete("E").expect(state="completed")
    assert run.completions("E") == 1


def test_wcp38_general_synchronizing_merge(wf):
    """An OR-join fed from a loop: it waits while the loop can still deliver."""
    wf.publish(
        net(
            "wcp38",
            [
                manual("A", split="or"),
                manual("B"),
                manual("C", join="xor", split="xor"),
                manual("E", join="or"),
            ],
            [
                ("start", "A"),
                ("A", "B", {"when": "data.b"}),
                ("A", "C", {"default": True}),
                ("B", "e1"),
                ("C", "e2", {"when": "data.done"}),
                ("C", "C", {"default": True}),  # C repeats until done
                ("e1", "E"),
                ("e2", "E"),
                ("E", "end"),
            ],
        )
    )
    run = wf.start("wcp38")
    run.complete("A", {"b": True}).expect(enabled=["B"])  # b holds: C (the default) not taken
    run.complete("B").expect(enabled=["E"])
    run.complete("E").expect(state="completed")

    wf.publish(
        net(
            "wcp38b",
            [
                manual("A", split="and"),
                manual("B"),
                manual("C", join="xor", split="xor"),
                manual("E", join="or"),
            ],
            [
                ("start", "A"),
                ("A", "B"),
                ("A", "C"),
                ("B", "e1"),
                ("C", "e2", {"when": "data.done"}),
                ("C", "C", {"default": True}),
                ("e1", "E"),
                ("e2", "E"),
                ("E", "end"),
            ],
        )
    )
    run = wf.start("wcp38b")
    run.complete("A").expect(enabled=["B", "C"])
    run.complete("B").expect(enabled=["C"])  # e1 marked; the loop can still reach e2
    run.complete("C", {"done": False}).expect(enabled=["C"], marking={"e1": 1, "C__to__C": 1})
    run.complete("C", {"done": False}).expect(enabled=["C"])
    run.complete("C", {"done": True}).expect(enabled=["E"], marking={"e1": 1, "e2": 1})
    run.complete("E").expect(state="completed")
    assert run.completions("C") == 3 and run.completions("E") == 1


def _fig33_net(name: str) -> dict:
    """YAWL book, fig. 3.3: D's cancellation set holds c2, c5 and C."""
    return net(
        name,
        [
            manual("A", split="or"),
            manual("B"),
            manual("C"),
            manual("D", cancels=["c2", "c5", "C"]),
            manual("E", join="or"),
        ],
        [
            ("start", "A"),
            ("A", "c1"),
            ("A", "c2"),
            ("A", "c3"),
            ("c1", "B"),
            ("B", "c4"),
            ("c2", "C"),
            ("C", "c5"),
            ("c3", "D"),
            ("D", "c6"),
            ("c4", "E"),
            ("c5", "E"),
            ("c6", "E"),
            ("E", "end"),
        ],
    )


@pytest.mark.roundtrip
def test_wcp38_general_synchronizing_merge_with_cancellation_set(wf):
    wf.publish(_fig33_net("wcp38c"))
    run = wf.start("wcp38c")
    run.complete("A").expect(enabled=["B", "C", "D"])
    run.complete("B").expect(enabled=["C", "D"], marking={"c2": 1, "c3": 1, "c4": 1})  # C can add c5
    # C done, D pending: D's completion would empty c5, so c4+c5+c6 can never be covered:
    # E is enabled now
    run.complete("C").expect(enabled=["D", "E"], marking={"c3": 1, "c4": 1, "c5": 1})
    run.complete("D").expect(enabled=["E"], marking={"c4": 1, "c6": 1})  # c5 canceled by D
    run.complete("E").expect(state="completed")

    # D completes while C runs: C is canceled, so E does not wait for it
    run = wf.start("wcp38c")
    run.complete("A").complete("B").start_task("C").expect(enabled=["D"], started=["C"])
    run.complete("D").expect(enabled=["E"], marking={"c4": 1, "c6": 1})
    assert run.task("C")["state"] == "canceled"
    run.complete("E").expect(state="completed")


@pytest.mark.roundtrip
def test_wcp38_or_joins_in_a_vicious_circle_fire_together(wf):
    """Two OR-joins each waiting for the other (YAWL's vicious circle, where YAWL deadlocks):
    only the other could ever deliver, so both fire (the vicious-circle rule,
    docs/engine-semantics.md section 8); a token one of them then sends completes the other's
    inputs."""
    wf.publish(
        net(
            "wcp38d",
            [
                dummy("S", split="and"),
                manual("J1", join="or", split="xor"),
                manual("J2", join="or", split="xor"),
            ],
            [
                ("start", "S"),
                ("S", "a1"),
                ("S", "a2"),
                ("a1", "J1"),
                ("x1", "J1"),
                ("J1", "x2", {"when": "data.again"}),
                ("J1", "end", {"default": True}),
                ("a2", "J2"),
                ("x2", "J2"),
                ("J2", "x1", {"when": "data.again"}),
                ("J2", "end", {"default": True}),
            ],
        )
    )
    run = wf.start("wcp38d")
    run.expect(enabled=["J1", "J2"], marking={"a1": 1, "a2": 1})
    run.complete("J1", {"again": True}).expect(enabled=["J2"], marking={"a2": 1, "x2": 1})
    run.complete("J2", {"again": False}).expect(state="completed")

    run = wf.start("wcp38d")
    run.complete("J2", {"again": False}).expect(state="completed")


# ---------------------------------------------------------------------- WCP-41, 42


def _threads_net(name: str, threads: int) -> dict:
    """T splits its branch into `threads` threads (one token each in p, through dummies);
    W works each thread; a counting chain merges the threads back into one before Z."""
    tasks = [manual("T", split="and"), manual("W"), manual("Z")]
    flows = [("start", "T"), ("T", "m0"), ("p", "W"), ("W", "q")]
    for i in range(1, threads + 1):
        tasks.append(dummy(f"t{i}"))
        flows += [("T", f"t{i}"), (f"t{i}", "p")]
        tasks.append(dummy(f"M{i}", join="and"))
        flows += [("q", f"M{i}"), (f"m{i - 1}", f"M{i}"), (f"M{i}", f"m{i}" if i < threads else "Z")]
    flows.append(("Z", "end"))
    return net(name, tasks, flows)


def test_wcp41_thread_merge(wf):
    wf.publish(_threads_net("wcp41", threads=3))
    run = wf.start("wcp41")
    run.complete("T").expect(enabled=["W"], marking={"p": 3, "m0": 1})
    run.complete("W").expect(enabled=["W"], marking={"p": 2, "m1": 1})
    run.complete("W").expect(enabled=["W"], marking={"p": 1, "m2": 1})
    run.complete("W").expect(enabled=["Z"], marking={"M3__to__Z": 1})  # three threads, merged: one
    run.complete("Z").expect(state="completed")
    assert run.completions("Z") == 1


def test_wcp42_thread_split(wf):
    wf.publish(_threads_net("wcp42", threads=4))
    run = wf.start("wcp42")
    run.expect(enabled=["T"])
    run.complete("T").expect(enabled=["W"], marking={"p": 4, "m0": 1})  # four threads in one branch
    for left in (3, 2, 1):
        run.start_task("W").expect(started=["W"], marking={"p": left, f"m{3 - left}": 1})
        run.complete("W")
    run.complete("W").expect(enabled=["Z"])
    assert run.completions("W") == 4
    run.complete("Z").expect(state="completed")


def test_wcp38_or_join_inside_a_loop(wf):
    """The OR-join's own output leads back to the split that feeds it: in each iteration it
    waits for exactly the branches chosen in that iteration."""
    wf.publish(
        net(
            "wcp38e",
            [
                manual("A", join="xor", split="or"),
                manual("B"),
                manual("C"),
                manual("E", join="or", split="xor"),
            ],
            [
                ("start", "A"),
                ("A", "B", {"when": "data.b"}),
                ("A", "C", {"when": "data.c"}),
                ("B", "e1"),
                ("C", "e2"),
                ("e1", "E"),
                ("e2", "E"),
                ("E", "A", {"when": "data.again"}),
                ("E", "end", {"default": True}),
            ],
        )
    )
    run = wf.start("wcp38e")
    run.complete("A", {"b": True, "c": True}).expect(enabled=["B", "C"])
    run.complete("C").expect(enabled=["B"], marking={"e2": 1, "A__to__B": 1})
    run.complete("B").expect(enabled=["E"])
    run.complete("E", {"again": True}).expect(enabled=["A"])
    run.complete("A", {"b": False, "c": True}).expect(enabled=["C"])
    run.complete("C").expect(enabled=["E"], marking={"e2": 1})  # only C this time: no wait for B
    run.complete("E", {"again": False}).expect(state="completed")
    assert run.completions("E") == 2 and run.completions("B") == 1


def test_wcp38_or_join_beside_a_cancelling_loop_tasquencer(wf):
    """The net of Tasquencer's own test suite (issue 14): C cancels B, c1 and c2; D is an
    AND-split back into c1 and c2; E OR-joins c2 and c3. c2 and c3 can never be marked
    together (C consumes c2 to make c3, a task runs one generation at a time, and C's
    completion empties c2), so E is enabled beside C, as in Tasquencer and YAWL."""
    wf.publish(
        net(
            "tasquencer",
            [
                manual("A"),
                manual("B"),
                manual("C", cancels=["B", "c1", "c2"]),
                manual("D", split="and"),
                manual("E", join="or"),
            ],
            [
                ("start", "A"),
                ("A", "c1"),
                ("c1", "B"),
                ("B", "c2"),
                ("c2", "C"),
                ("c2", "E"),
                ("C", "c3"),
                ("c3", "D"),
                ("c3", "E"),
                ("D", "c1"),
                ("D", "c2"),
                ("E", "end"),
            ],
        )
    )
    run = wf.start("tasquencer")
    run.expect(enabled=["A"])
    run.complete("A").expect(enabled=["B"], marking={"c1": 1})
    run.complete("B").expect(enabled=["C", "E"], marking={"c2": 1})
    run.complete("C").expect(enabled=["D", "E"], marking={"c3": 1})
    run.complete("D").expect(enabled=["B", "C", "E"], marking={"c1": 1, "c2": 1})
    run.start_task("C").expect(enabled=["B"], started=["C"], marking={"c1": 1})
    run.complete("C").expect(enabled=["D", "E"], marking={"c3": 1})  # B withdrawn: c1 canceled
    run.complete("E").expect(state="completed")
