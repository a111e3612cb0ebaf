"""moto's server, completed for the rollout: run by scripts/local-aws.sh (which
provisions moto first); the tests start the emulator through that script too.

Two additions to plain `moto_server`, both confined to this launcher:

- PutCompositeAlarm: moto (through 5.2.x) models composite alarms (an alarm
  with a rule; DescribeAlarms returns them) but has no operation to create
  one, so the rollout's alarm setup gets an HTML 404 from plain moto
  ("SyntaxError: Unexpected token '<'"). It is registered on moto's CloudWatch
  responder and delegates to moto's own backend.
- Accounts by path: a request to /account/<12 digits>/... is served from that
  account's state (moto's x-moto-account-id), so test files sharing one server
  never see each other's tables and alarms.
- One request at a time: moto's backends are in-memory and not thread-safe.
  Its TransactWriteItems snapshots a whole table and restores that snapshot
  when a condition fails, so under concurrent requests a cancelled
  transaction silently erases another writer's committed item. DynamoDB and
  CloudWatch apply each call atomically; a lock around each request gives the
  emulator that same guarantee.
"""
import re
import sys
import threading

from moto.cloudwatch.responses import CloudWatchResponse
from moto.core.responses import EmptyResult
import moto.server

if not hasattr(CloudWatchResponse, "put_composite_alarm"):

    def put_composite_alarm(self):
        self.cloudwatch_backend.put_metric_alarm(
            name=self._get_param("AlarmName"), namespace=None, metric_name=None,
            comparison_operator=None, evaluation_periods=None, period=None,
            threshold=None, statistic=None,
            description=self._get_param("AlarmDescription"), dimensions=[],
            alarm_actions=self._get_param("AlarmActions", []),
            ok_actions=self._get_param("OKActions", []),
            insufficient_data_actions=self._get_param("InsufficientDataActions", []),
            actions_enabled=self._get_param("ActionsEnabled", True),
            rule=self._get_param("AlarmRule"), tags=self._get_param("Tags", []),
        )
        return EmptyResult()

    CloudWatchResponse.put_composite_alarm = put_composite_alarm


_serial = threading.Lock()
_ACCOUNT_PATH = re.compile(r"^/account/(\d{12})(/.*)?$")
_dispatcher = moto.server.DomainDispatcherApplication


class SerialDispatcher(_dispatcher):
    """moto's WSGI application, answering one request at a time."""

    def __call__(self, environ, start_response):
        account = _ACCOUNT_PATH.match(environ.get("PATH_INFO", ""))
        if account:
            environ["HTTP_X_MOTO_ACCOUNT_ID"] = account.group(1)
            environ["PATH_INFO"] = account.group(2) or "/"
        with _serial:
            # The body is produced inside the lock: moto's responses are lists, not streams.
            return list(super().__call__(environ, start_response))


moto.server.DomainDispatcherApplication = SerialDispatcher

if __name__ == "__main__":
    moto.server.main(sys.argv[1:])
