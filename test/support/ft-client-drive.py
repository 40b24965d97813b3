"""Drives Freqtrade's own REST client (freqtrade_client.FtRestClient) against a bot: every call FreqUI's pages and
the client's CLI make, one JSON line per call with its answer (or the error text). Used by
test/api/frequi-client.test.ts; argv: client_dir base_url user password [pairs].

With pairs (comma-separated, a bot trading several coins), the read calls once for the bot and once per pair
where the call takes one, then stop and start; a call's name carries its pair ("pair_candles BTC/USDC:USDC")."""
import json
import sys

sys.path.insert(0, sys.argv[1])
from freqtrade_client import FtRestClient  # noqa: E402

c = FtRestClient(sys.argv[2], sys.argv[3], sys.argv[4])
pair = "BTC/USDC:USDC"
if len(sys.argv) > 5:
    pairs = sys.argv[5].split(",")
    calls = [
        ("ping", lambda: c.ping()),
        ("show_config", lambda: c.show_config()),
        ("whitelist", lambda: c.whitelist()),
        ("status", lambda: c.status()),
        ("trades", lambda: c.trades(limit=0)),
        ("profit", lambda: c.profit()),
        ("performance", lambda: c.performance()),
        ("count", lambda: c.count()),
        ("balance", lambda: c.balance()),
        ("daily", lambda: c.daily(3)),
        ("stats", lambda: c.stats()),
        ("entries", lambda: c.entries()),
        ("available_pairs", lambda: c.available_pairs("1m", "USDC")),
        ("logs", lambda: c.logs(5)),
        ("health", lambda: c.health()),
    ]
    for p in pairs:
        calls.append((f"pair_candles {p}", lambda p=p: c.pair_candles(p, "1m", limit=10)))
        calls.append((f"exits {p}", lambda p=p: c.exits(p)))
    calls.append(("trade", lambda: c.trade((c.trades(limit=0)["trades"] or c.status())[0]["trade_id"])))
    calls.append(("stop", lambda: c.stop()))
    calls.append(("start", lambda: c.start()))
else:
    calls = [
        ("ping", lambda: c.ping()),
        ("version", lambda: c.version()),
        ("show_config", lambda: c.show_config()),
        ("balance", lambda: c.balance()),
        ("count", lambda: c.count()),
        ("profit", lambda: c.profit()),
        ("stats", lambda: c.stats()),
        ("performance", lambda: c.performance()),
        ("entries", lambda: c.entries()),
        ("exits", lambda: c.exits(pair)),
        ("mix_tags", lambda: c.mix_tags()),
        ("daily", lambda: c.daily(400)),
        ("weekly", lambda: c.weekly(4)),
        ("monthly", lambda: c.monthly()),
        ("status", lambda: c.status()),
        ("trades", lambda: c.trades(limit=0)),
        ("trade", lambda: c.trade(1)),
        ("locks", lambda: c.locks()),
        ("logs", lambda: c.logs(5)),
        ("whitelist", lambda: c.whitelist()),
        ("blacklist", lambda: c.blacklist()),
        ("strategies", lambda: c.strategies()),
        ("strategy", lambda: c.strategy("AvellanedaStoikov")),
        ("plot_config", lambda: c.plot_config()),
        ("available_pairs", lambda: c.available_pairs("1m", "USDC")),
        ("pair_candles", lambda: c.pair_candles(pair, "1m", limit=10)),
        ("pair_candles_post", lambda: c.pair_candles(pair, "1m", columns=["our_bid"])),
        ("sysinfo", lambda: c.sysinfo()),
        ("health", lambda: c.health()),
        ("forceenter", lambda: c.forceenter(pair, "long", price=100000, stake_amount=200)),
        ("cancel_open_order", lambda: c.cancel_open_order(3)),
        ("delete_trade", lambda: c.delete_trade(2)),
        ("stopbuy", lambda: c.stopbuy()),
        ("start", lambda: c.start()),
        ("reload_config", lambda: c.reload_config()),
        ("stop", lambda: c.stop()),
    ]
for name, fn in calls:
    try:
        print(json.dumps({"call": name, "answer": fn()}))
    except Exception as e:  # noqa: BLE001 - reported to the test, which fails on it
        print(json.dumps({"call": name, "error": f"{type(e).__name__}: {e}"}))
