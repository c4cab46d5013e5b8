"""CloudWatch Logs: log groups, streams and events written and read with the real AWS CLI
(create-log-group, create-log-stream, put-log-events, describe-log-groups, describe-log-streams,
get-log-events, filter-log-events) and boto3's paginators; two accounts that never see each
other's log groups; and bad input (garbage tokens, out-of-range limits, bad filter patterns, bad
batches) answered with CloudWatch Logs' errors while nothing changes."""

import json
import time

from botocore.exceptions import ClientError

import harness
from harness import ServerTestCase

REGION = harness.REGION


def now_ms():
    return int(time.time() * 1000)


def events_json(events):
    """The --log-events argument for [(timestamp, message), ...]."""
    return json.dumps([{"timestamp": ts, "message": msg} for ts, msg in events])


class LogsCliTest(ServerTestCase):
    """The AWS CLI against one account's logs."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.acct = cls.server.create_account()

    def aws(self, *args, **kw):
        return self.server.aws(self.acct, "logs", *args, **kw)

    def aws_json(self, *args, **kw):
        return self.server.aws_json(self.acct, "logs", *args, **kw)

    def aws_error(self, *args):
        """Runs a command that must fail; returns its stderr."""
        res = self.aws(*args, check=False)
        self.assertNotEqual(res.returncode, 0, f"aws logs {' '.join(args)} succeeded: {res.stdout}")
        return res.stderr

    def make_group(self, prefix="/e2e/app"):
        group = f"{prefix}/{harness.unique_name('g')}"
        res = self.aws("create-log-group", "--log-group-name", group)
        self.assertEqual(res.stdout.strip(), "", "create-log-group prints nothing")
        return group

    def test_write_and_read_with_the_cli(self):
        group = self.make_group()
        for stream in ("web-1", "web-2"):
            self.aws("create-log-stream", "--log-group-name", group, "--log-stream-name", stream)
        t = now_ms()
        put = self.aws_json("put-log-events", "--log-group-name", group,
                            "--log-stream-name", "web-1", "--log-events",
                            events_json([(t - 3000, "GET /index 200"),
                                         (t - 1000, "GET /admin 500 ERROR db timeout")]))
        self.assertRegex(put.get("nextSequenceToken", ""), r"^\d{56}$")
        self.assertNotIn("rejectedLogEventsInfo", put)
        self.aws("put-log-events", "--log-group-name", group, "--log-stream-name", "web-2",
                 "--log-events",
                 events_json([(t - 2000, json.dumps({"level": "error", "latency": 1200})),
                              (t, json.dumps({"level": "info", "latency": 15}))]))

        groups = self.aws_json("describe-log-groups", "--log-group-name-prefix", group)["logGroups"]
        self.assertEqual(len(groups), 1, groups)
        g = groups[0]
        self.assertEqual(g["logGroupName"], group)
        self.assertEqual(g["arn"], f"arn:aws:logs:{REGION}:{self.acct.account_id}:log-group:{group}:*")
        self.assertEqual(g["logGroupArn"], f"arn:aws:logs:{REGION}:{self.acct.account_id}:log-group:{group}")
        self.assertEqual(g["storedBytes"], sum(len(m) for m in (
            "GET /index 200", "GET /admin 500 ERROR db timeout",
            json.dumps({"level": "error", "latency": 1200}),
            json.dumps({"level": "info", "latency": 15}))))
        self.assertAlmostEqual(g["creationTime"], t, delta=60_000)
        self.assertEqual(g["metricFilterCount"], 0)

        streams = self.aws_json("describe-log-streams", "--log-group-name", group,
                                "--order-by", "LastEventTime", "--descending")["logStreams"]
        self.assertEqual([s["logStreamName"] for s in streams], ["web-2", "web-1"])
        self.assertEqual(streams[1]["firstEventTimestamp"], t - 3000)
        self.assertEqual(streams[1]["lastEventTimestamp"], t - 1000)
        self.assertEqual(streams[1]["arn"], f"arn:aws:logs:{REGION}:{self.acct.account_id}:"
                                            f"log-group:{group}:log-stream:web-1")
        self.assertIn("lastIngestionTime", streams[1])

        got = self.aws_json("get-log-events", "--log-group-name", group, "--log-stream-name", "web-1",
                            "--start-from-head")
        self.assertEqual([e["message"] for e in got["events"]],
                         ["GET /index 200", "GET /admin 500 ERROR db timeout"])
        self.assertEqual(got["events"][0]["timestamp"], t - 3000)
        self.assertTrue(got["nextForwardToken"].startswith("f/"))
        self.assertTrue(got["nextBackwardToken"].startswith("b/"))
        # At the end of the stream the forward token comes back unchanged.
        again = self.aws_json("get-log-events", "--log-group-name", group,
                              "--log-stream-name", "web-1", "--start-from-head",
                              "--next-token", got["nextForwardToken"])
        self.assertEqual(again["events"], [])
        self.assertEqual(again["nextForwardToken"], got["nextForwardToken"])

        # Events of both streams, interleaved by time.
        every = self.aws_json("filter-log-events", "--log-group-name", group)["events"]
        self.assertEqual([(e["logStreamName"], e["timestamp"]) for e in every],
                         [("web-1", t - 3000), ("web-2", t - 2000), ("web-1", t - 1000),
                          ("web-2", t)])
        self.assertEqual(len({e["eventId"] for e in every}), 4)

    def test_filter_patterns_with_the_cli(self):
        group = self.make_group()
        self.aws("create-log-stream", "--log-group-name", group, "--log-stream-name", "app")
        self.aws("create-log-stream", "--log-group-name", group, "--log-stream-name", "jobs")
        t = now_ms()
        self.aws("put-log-events", "--log-group-name", group, "--log-stream-name", "app",
                 "--log-events", events_json([
                     (t - 50, "INFO started"),
                     (t - 40, "ERROR Exception handler failed"),
                     (t - 30, "WARN disk 91% full"),
                     (t - 20, "ERROR disk full")]))
        self.aws("put-log-events", "--log-group-name", group, "--log-stream-name", "jobs",
                 "--log-events", events_json([
                     (t - 45, json.dumps({"job": "nightly", "rows": 12, "user": {"id": 7}})),
                     (t - 25, json.dumps({"job": "hourly", "rows": 90000, "failed": True}))]))

        def messages(pattern, *extra):
            out = self.aws_json("filter-log-events", "--log-group-name", group,
                                "--filter-pattern", pattern, *extra)
            return [e["message"] for e in out["events"]]

        self.assertEqual(messages("ERROR"), ["ERROR Exception handler failed", "ERROR disk full"])
        self.assertEqual(messages("ERROR -Exception"), ["ERROR disk full"])
        self.assertEqual(messages('"disk full"'), ["ERROR disk full"])
        self.assertEqual(messages("?WARN ?started"), ["INFO started", "WARN disk 91% full"])
        self.assertEqual(messages("error"), [])  # case-sensitive
        self.assertEqual(messages('{ $.job = "night*" }'),
                         [json.dumps({"job": "nightly", "rows": 12, "user": {"id": 7}})])
        self.assertEqual(messages("{ $.rows > 1000 && $.failed IS TRUE }"),
                         [json.dumps({"job": "hourly", "rows": 90000, "failed": True})])
        self.assertEqual(len(messages("{ ($.user.id = 7) || ($.rows >= 90000) }")), 2)
        self.assertEqual(messages("ERROR", "--log-stream-names", "jobs"), [])
        self.assertEqual(messages("ERROR", "--start-time", str(t - 30), "--end-time", str(t - 20)),
                         ["ERROR disk full"])
        # The CLI follows nextToken itself: one event per page, every event once.
        self.assertEqual(messages("", "--page-size", "1"),
                         ["INFO started",
                          json.dumps({"job": "nightly", "rows": 12, "user": {"id": 7}}),
                          "ERROR Exception handler failed", "WARN disk 91% full",
                          json.dumps({"job": "hourly", "rows": 90000, "failed": True}),
                          "ERROR disk full"])

    def test_cli_paginates_describe_commands(self):
        prefix = f"/e2e/paged-{harness.unique_name('p')}"
        names = [f"{prefix}/{i:02d}" for i in range(7)]
        for name in names:
            self.aws("create-log-group", "--log-group-name", name)
            self.aws("create-log-stream", "--log-group-name", names[0], "--log-stream-name",
                     name.rsplit("/", 1)[1])
        out = self.aws_json("describe-log-groups", "--log-group-name-prefix", prefix,
                            "--page-size", "2")
        self.assertEqual([g["logGroupName"] for g in out["logGroups"]], names)
        out = self.aws_json("describe-log-groups", "--log-group-name-prefix", prefix,
                            "--max-items", "3")
        self.assertEqual([g["logGroupName"] for g in out["logGroups"]], names[:3])
        self.assertIn("NextToken", out)  # the CLI's own resume token
        out = self.aws_json("describe-log-groups", "--log-group-name-prefix", prefix,
                            "--max-items", "3", "--starting-token", out["NextToken"])
        self.assertEqual([g["logGroupName"] for g in out["logGroups"]], names[3:6])
        streams = self.aws_json("describe-log-streams", "--log-group-name", names[0],
                                "--page-size", "3")["logStreams"]
        self.assertEqual([s["logStreamName"] for s in streams], [f"{i:02d}" for i in range(7)])

    def test_bad_input_is_refused_and_changes_nothing(self):
        group = self.make_group()
        self.aws("create-log-stream", "--log-group-name", group, "--log-stream-name", "s")
        t = now_ms()
        self.aws("put-log-events", "--log-group-name", group, "--log-stream-name", "s",
                 "--log-events", events_json([(t, "kept")]))

        def state():
            groups = self.aws_json("describe-log-groups")["logGroups"]
            events = self.aws_json("filter-log-events", "--log-group-name", group)["events"]
            return ([(g["logGroupName"], g["storedBytes"]) for g in groups],
                    [e["message"] for e in events])

        before = state()
        err = self.aws_error("describe-log-groups", "--page-size", "51")
        self.assertIn("InvalidParameterException", err)
        self.assertIn("Member must have value less than or equal to 50", err)
        err = self.aws_error("filter-log-events", "--log-group-name", group,
                             "--filter-pattern", "{ $.level = }")
        self.assertIn("InvalidParameterException", err)
        self.assertIn("Invalid filter pattern", err)
        err = self.aws_error("filter-log-events", "--log-group-name", group,
                             "--log-stream-names", "s", "no-such-stream")
        self.assertIn("ResourceNotFoundException", err)
        self.assertIn("The specified log stream does not exist.", err)
        err = self.aws_error("get-log-events", "--log-group-name", group, "--log-stream-name", "s",
                             "--next-token", "f/not-a-token")
        self.assertIn("InvalidParameterException", err)
        self.assertIn("The specified nextToken is not valid.", err)
        err = self.aws_error("put-log-events", "--log-group-name", group, "--log-stream-name", "s",
                             "--log-events", events_json([(t, "second"), (t - 1, "first")]))
        self.assertIn("InvalidParameterException", err)
        self.assertIn("chronological order", err)
        err = self.aws_error("create-log-group", "--log-group-name", "bad name!")
        self.assertIn("InvalidParameterException", err)
        err = self.aws_error("create-log-group", "--log-group-name", group)
        self.assertIn("ResourceAlreadyExistsException", err)
        err = self.aws_error("create-log-stream", "--log-group-name", group + "-missing",
                             "--log-stream-name", "s")
        self.assertIn("ResourceNotFoundException", err)
        err = self.aws_error("describe-log-streams", "--log-group-name", group,
                             "--order-by", "LastEventTime", "--log-stream-name-prefix", "s")
        self.assertIn("Cannot order by LastEventTime with a logStreamNamePrefix.", err)
        self.assertEqual(state(), before)
        self.server.assert_healthy()

    def test_delete_stream_and_group(self):
        group = self.make_group()
        self.aws("create-log-stream", "--log-group-name", group, "--log-stream-name", "s")
        self.aws("put-log-events", "--log-group-name", group, "--log-stream-name", "s",
                 "--log-events", events_json([(now_ms(), "bye")]))
        self.aws("delete-log-stream", "--log-group-name", group, "--log-stream-name", "s")
        self.assertEqual(self.aws_json("describe-log-streams", "--log-group-name", group)["logStreams"], [])
        self.assertEqual(self.aws_json("describe-log-groups", "--log-group-name-prefix",
                                       group)["logGroups"][0]["storedBytes"], 0)
        self.aws("delete-log-group", "--log-group-name", group)
        self.assertEqual(self.aws_json("describe-log-groups", "--log-group-name-prefix",
                                       group)["logGroups"], [])
        err = self.aws_error("delete-log-group", "--log-group-name", group)
        self.assertIn("ResourceNotFoundException", err)
        self.assertIn("The specified log group does not exist.", err)

    def test_deletion_protection(self):
        group = f"/e2e/keep/{harness.unique_name('k')}"
        self.aws("create-log-group", "--log-group-name", group, "--deletion-protection-enabled")
        self.aws("create-log-stream", "--log-group-name", group, "--log-stream-name", "s")
        g = self.aws_json("describe-log-groups", "--log-group-name-prefix", group)["logGroups"][0]
        self.assertTrue(g["deletionProtectionEnabled"])
        self.assertIn("ValidationException",
                      self.aws_error("delete-log-group", "--log-group-name", group))
        self.assertIn("ValidationException", self.aws_error(
            "delete-log-stream", "--log-group-name", group, "--log-stream-name", "s"))
        self.aws("put-log-group-deletion-protection", "--log-group-identifier", group,
                 "--no-deletion-protection-enabled")
        self.aws("delete-log-group", "--log-group-name", group)
        self.assertEqual(self.aws_json("describe-log-groups", "--log-group-name-prefix",
                                       group)["logGroups"], [])


class LogsBoto3Test(ServerTestCase):
    """boto3: paginators, error shapes, and two accounts kept apart."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.a = cls.server.create_account()
        cls.b = cls.server.create_account()
        cls.logs_a = cls.server.client("logs", cls.a)
        cls.logs_b = cls.server.client("logs", cls.b)

    def test_paginators_walk_every_page(self):
        prefix = f"/boto/{harness.unique_name('p')}"
        for i in range(5):
            self.logs_a.create_log_group(logGroupName=f"{prefix}/{i}")
        pages = list(self.logs_a.get_paginator("describe_log_groups").paginate(
            logGroupNamePrefix=prefix, PaginationConfig={"PageSize": 2}))
        self.assertEqual([len(p["logGroups"]) for p in pages], [2, 2, 1])
        self.assertEqual([g["logGroupName"] for p in pages for g in p["logGroups"]],
                         [f"{prefix}/{i}" for i in range(5)])

        group = f"{prefix}/0"
        t = now_ms()
        for s in range(3):
            self.logs_a.create_log_stream(logGroupName=group, logStreamName=f"s{s}")
            self.logs_a.put_log_events(
                logGroupName=group, logStreamName=f"s{s}",
                logEvents=[{"timestamp": t - 100 + 10 * i + s, "message": f"s{s} e{i}"}
                           for i in range(4)])
        pages = list(self.logs_a.get_paginator("filter_log_events").paginate(
            logGroupName=group, PaginationConfig={"PageSize": 5}))
        messages = [e["message"] for p in pages for e in p["events"]]
        self.assertEqual(messages, [f"s{s} e{i}" for i in range(4) for s in range(3)])
        self.assertEqual(len(pages), 3)
        streams = [s["logStreamName"]
                   for p in self.logs_a.get_paginator("describe_log_streams").paginate(
                       logGroupName=group, PaginationConfig={"PageSize": 1})
                   for s in p["logStreams"]]
        self.assertEqual(streams, ["s0", "s1", "s2"])

    def test_paging_is_stable_while_events_arrive(self):
        group = f"/boto/{harness.unique_name('stable')}"
        self.logs_a.create_log_group(logGroupName=group)
        self.logs_a.create_log_stream(logGroupName=group, logStreamName="s")
        t = now_ms()
        self.logs_a.put_log_events(logGroupName=group, logStreamName="s",
                                   logEvents=[{"timestamp": t - 100 + i, "message": f"e{i}"}
                                              for i in range(6)])
        first = self.logs_a.filter_log_events(logGroupName=group, limit=3)
        self.assertEqual([e["message"] for e in first["events"]], ["e0", "e1", "e2"])
        # Arrivals before and after the page boundary.
        self.logs_a.put_log_events(logGroupName=group, logStreamName="s",
                                   logEvents=[{"timestamp": t - 200, "message": "early"},
                                              {"timestamp": t, "message": "late"}])
        rest = self.logs_a.filter_log_events(logGroupName=group, limit=10,
                                             nextToken=first["nextToken"])
        self.assertEqual([e["message"] for e in rest["events"]], ["e3", "e4", "e5", "late"])
        self.assertNotIn("nextToken", rest)

    def test_accounts_never_see_each_others_groups(self):
        group = f"/shared/{harness.unique_name('iso')}"
        t = now_ms()
        self.logs_a.create_log_group(logGroupName=group)
        self.logs_a.create_log_stream(logGroupName=group, logStreamName="s")
        self.logs_a.put_log_events(logGroupName=group, logStreamName="s",
                                   logEvents=[{"timestamp": t, "message": "A's secret"}])

        # B: the group does not exist, whichever way it is named.
        names_b = [g["logGroupName"] for p in self.logs_b.get_paginator(
            "describe_log_groups").paginate() for g in p["logGroups"]]
        self.assertNotIn(group, names_b)
        arn = f"arn:aws:logs:{REGION}:{self.a.account_id}:log-group:{group}"
        for call, kwargs in (
                (self.logs_b.filter_log_events, {"logGroupName": group}),
                (self.logs_b.filter_log_events, {"logGroupIdentifier": arn}),
                (self.logs_b.get_log_events, {"logGroupName": group, "logStreamName": "s"}),
                (self.logs_b.describe_log_streams, {"logGroupName": group}),
                (self.logs_b.put_log_events, {"logGroupName": group, "logStreamName": "s",
                                              "logEvents": [{"timestamp": t, "message": "x"}]}),
                (self.logs_b.delete_log_group, {"logGroupName": group})):
            exc = self.assertClientError(call, "ResourceNotFoundException", 400, **kwargs)
            self.assertEqual(exc.response["Error"]["Message"],
                             "The specified log group does not exist.")
        self.assertEqual(self.logs_b.describe_log_groups(logGroupIdentifiers=[arn])["logGroups"], [])

        # B's own group of the same name is separate.
        self.logs_b.create_log_group(logGroupName=group)
        self.logs_b.create_log_stream(logGroupName=group, logStreamName="s")
        self.logs_b.put_log_events(logGroupName=group, logStreamName="s",
                                   logEvents=[{"timestamp": t, "message": "B's note"}])
        self.assertEqual([e["message"] for e in
                          self.logs_a.filter_log_events(logGroupName=group)["events"]],
                         ["A's secret"])
        self.assertEqual([e["message"] for e in
                          self.logs_b.filter_log_events(logGroupName=group)["events"]],
                         ["B's note"])
        self.logs_b.delete_log_group(logGroupName=group)
        self.assertEqual(len(self.logs_a.describe_log_groups(logGroupNamePrefix=group)["logGroups"]), 1)

    def test_errors_in_the_json_form(self):
        group = f"/boto/{harness.unique_name('err')}"
        self.logs_a.create_log_group(logGroupName=group)
        exc = self.assertClientError(self.logs_a.describe_log_groups, "InvalidParameterException",
                                     400, nextToken="bm90LWEtdG9rZW4=")
        self.assertEqual(exc.response["Error"]["Message"], "The specified nextToken is not valid.")
        self.assertClientError(self.logs_a.filter_log_events, "InvalidParameterException", 400,
                               logGroupName=group, limit=10001)
        exc = self.assertClientError(self.logs_a.filter_log_events, "InvalidParameterException",
                                     400, logGroupName=group, filterPattern='"unterminated')
        self.assertIn("unterminated quoted string", exc.response["Error"]["Message"])
        self.assertClientError(self.logs_a.create_log_group, "ResourceAlreadyExistsException", 400,
                               logGroupName=group)
        self.assertClientError(self.logs_a.get_log_events, "ResourceNotFoundException", 400,
                               logGroupName=group, logStreamName="missing")
        # Nothing above created or changed anything.
        groups = self.logs_a.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
        self.assertEqual([(g["logGroupName"], g["storedBytes"]) for g in groups], [(group, 0)])
        self.assertEqual(self.logs_a.describe_log_streams(logGroupName=group)["logStreams"], [])


if __name__ == "__main__":
    import unittest
    unittest.main()
