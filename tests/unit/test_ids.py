from flowauto.domain.ids import IdGenerator


def test_ids_increase_within_a_millisecond_and_across_them() -> None:
    now = [1_700_000_000_000]
    ids = IdGenerator(node=3, now_ms=lambda: now[0])

    first = [int(ids.next_id()) for _ in range(5000)]
    now[0] += 1
    later = int(ids.next_id())

    assert first == sorted(first)
    assert len(set(first)) == 5000
    assert later > first[-1]


def test_ids_never_go_back_when_the_clock_does() -> None:
    now = [1_700_000_000_000]
    ids = IdGenerator(node=0, now_ms=lambda: now[0])
    before = int(ids.next_id())
    now[0] -= 5000

    assert int(ids.next_id()) > before


def test_nodes_never_collide() -> None:
    a = IdGenerator(node=1, now_ms=lambda: 1_700_000_000_000)
    b = IdGenerator(node=2, now_ms=lambda: 1_700_000_000_000)

    assert {a.next_id() for _ in range(100)}.isdisjoint({b.next_id() for _ in range(100)})


def test_ids_are_decimal_strings_that_fit_63_bits_until_2087() -> None:
    value = IdGenerator(node=1023, now_ms=lambda: 3_700_000_000_000).next_id()

    assert value.isdigit()
    assert int(value) < 2**63
