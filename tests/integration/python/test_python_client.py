"""Integration test: the official Kubernetes Python client (Debian's python3-kubernetes) against pilothouse-sim."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

try:
    from kubernetes import client, config, watch
    from kubernetes.client.rest import ApiException
except ImportError as error:  # ctest maps exit code 77 to "skipped" (SKIP_RETURN_CODE)
    print(f"skipping: the Kubernetes Python client is not importable: {error}")
    sys.exit(77)

NAMESPACE = "demo"


def wait_until(condition, timeout=30.0, interval=0.1):
    """Polls condition() until it is truthy; the simulated pods take a few hundred ms per step."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def probe_pod(name):
    return client.V1Pod(
        metadata=client.V1ObjectMeta(name=name, labels={"probe": "python"}),
        spec=client.V1PodSpec(containers=[client.V1Container(name="main", image="busybox:1.36", command=["sleep", "3600"])]),
    )


class PythonClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        sim = os.environ.get("PILOTHOUSE_SIM", "pilothouse-sim")
        source = os.environ.get("PILOTHOUSE_SOURCE_DIR", os.getcwd())
        cls.tmp = tempfile.mkdtemp(prefix="pilothouse-pyclient-")
        cls.kubeconfig = os.path.join(cls.tmp, "kubeconfig")
        cls.log = open(os.path.join(cls.tmp, "sim.log"), "w+")
        cls.sim = subprocess.Popen(
            [sim, "--port", "0", "--kubeconfig-out", cls.kubeconfig,
             "--scenario", os.path.join(source, "tests", "data", "scenarios", "small.yaml"),
             "--pod-start-ms", "200", "--pod-ready-ms", "200", "--pod-stop-ms", "200"],
            stdout=cls.log, stderr=subprocess.STDOUT)
        # The simulator writes the kubeconfig (atomically) once it serves.
        if not wait_until(lambda: os.path.exists(cls.kubeconfig) or cls.sim.poll() is not None, timeout=60):
            cls.tearDownClass()
            raise RuntimeError("pilothouse-sim did not write its kubeconfig in time")
        if cls.sim.poll() is not None:
            cls.log.seek(0)
            output = cls.log.read()
            cls.tearDownClass()
            raise RuntimeError(f"pilothouse-sim exited with {cls.sim.returncode}:\n{output}")
        config.load_kube_config(cls.kubeconfig)
        cls.api_client = client.ApiClient()
        cls.v1 = client.CoreV1Api(cls.api_client)
        cls.apps = client.AppsV1Api(cls.api_client)
        # The scenario's pods exist once the ReplicaSet controller has run; wait for them to run.
        wait_until(lambda: len(cls.running_pods("app=web")) == 2 and len(cls.running_pods("app=api")) == 1)

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "api_client", None):
            cls.api_client.close()
            cls.api_client.rest_client.pool_manager.clear()  # close() leaves the keep-alive connections open
        if cls.sim.poll() is None:
            cls.sim.terminate()
            try:
                cls.sim.wait(timeout=10)
            except subprocess.TimeoutExpired:
                cls.sim.kill()
                cls.sim.wait()
        cls.log.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def running_pods(cls, selector):
        pods = cls.v1.list_namespaced_pod(NAMESPACE, label_selector=selector).items
        return [p.metadata.name for p in pods
                if p.status.phase == "Running" and p.metadata.deletion_timestamp is None]

    def test_list_pods_all_namespaces(self):
        pods = self.v1.list_pod_for_all_namespaces()
        self.assertEqual(pods.kind, "PodList")
        self.assertTrue(pods.metadata.resource_version)
        demo = [p for p in pods.items if p.metadata.namespace == NAMESPACE]
        names = sorted(p.metadata.name for p in demo)
        self.assertEqual(len([n for n in names if n.startswith("web-")]), 2, names)
        self.assertEqual(len([n for n in names if n.startswith("api-")]), 1, names)
        # The client deserialises typed objects: owner references, containers, status.
        web = next(p for p in demo if p.metadata.name.startswith("web-"))
        self.assertEqual(web.metadata.owner_references[0].kind, "ReplicaSet")
        self.assertEqual(web.spec.containers[0].name, "web")
        self.assertEqual(web.spec.containers[0].image, "registry.pilothouse.local/demo/web:1.0")

    def test_list_pods_in_namespace(self):
        pods = self.v1.list_namespaced_pod(NAMESPACE)
        self.assertTrue(all(p.metadata.namespace == NAMESPACE for p in pods.items))
        names = {p.metadata.name for p in pods.items}
        self.assertTrue(any(n.startswith("web-") for n in names), names)
        self.assertTrue(any(n.startswith("api-") for n in names), names)
        api = self.v1.list_namespaced_pod(NAMESPACE, label_selector="app=api").items
        self.assertEqual(len(api), 1)
        self.assertEqual(api[0].spec.containers[0].env[0].value_from.secret_key_ref.name, "api-token")
        self.assertEqual(self.v1.list_namespaced_pod("kube-public").items, [])

    def test_paging_with_limit_and_continue(self):
        everything = sorted(f"{p.metadata.namespace}/{p.metadata.name}" for p in self.v1.list_pod_for_all_namespaces().items)
        self.assertGreaterEqual(len(everything), 3)
        seen, token, pages = [], None, 0
        while True:
            kwargs = {"limit": 1}
            if token:
                kwargs["_continue"] = token
            page = self.v1.list_pod_for_all_namespaces(**kwargs)
            pages += 1
            self.assertLessEqual(len(page.items), 1)
            seen += [f"{p.metadata.namespace}/{p.metadata.name}" for p in page.items]
            token = page.metadata._continue
            if not token:
                break
            self.assertIsNotNone(page.metadata.remaining_item_count)
            self.assertLess(pages, 1000, "paging does not end")
        # Every pod exactly once, and nothing else.
        self.assertEqual(len(seen), len(set(seen)), seen)
        self.assertEqual(sorted(seen), everything)
        self.assertEqual(pages, len(everything))

    def test_watch_pods(self):
        listed = self.v1.list_namespaced_pod(NAMESPACE)
        before = {p.metadata.name for p in listed.items}
        name = "python-watch-probe"
        # Created after the list: a watch from the list's resourceVersion must deliver it.
        self.v1.create_namespaced_pod(NAMESPACE, probe_pod(name))
        w = watch.Watch()
        types, states = [], []
        try:
            for event in w.stream(self.v1.list_namespaced_pod, NAMESPACE,
                                  resource_version=listed.metadata.resource_version, timeout_seconds=20):
                pod = event["object"]
                if event["type"] == "ADDED":
                    self.assertNotIn(pod.metadata.name, before, "a watch from the list's resourceVersion replays no old pods")
                if pod.metadata.name != name:
                    continue
                types.append(event["type"])
                statuses = pod.status.container_statuses or []
                states.append((pod.status.phase, bool(statuses and statuses[0].ready)))
                if states[-1] == ("Running", True):
                    w.stop()
        finally:
            w.stop()
            self.v1.delete_namespaced_pod(name, NAMESPACE)
        self.assertEqual(types[:1], ["ADDED"], types)
        self.assertEqual(states[0][0], "Pending")
        # The scheduler, then the kubelet, update the pod: MODIFIED events until it runs and is ready.
        self.assertGreaterEqual(types.count("MODIFIED"), 2, list(zip(types, states)))
        self.assertEqual(states[-1], ("Running", True), list(zip(types, states)))

    def test_watch_from_list_resource_version_sees_only_new_changes(self):
        listed = self.v1.list_namespaced_pod(NAMESPACE, label_selector="app=api")
        self.assertEqual(len(listed.items), 1)
        self.v1.patch_namespaced_pod(listed.items[0].metadata.name, NAMESPACE, {"metadata": {"labels": {"touched": "yes"}}})
        w = watch.Watch()
        events = []
        for event in w.stream(self.v1.list_namespaced_pod, NAMESPACE, label_selector="app=api",
                              resource_version=listed.metadata.resource_version, timeout_seconds=5):
            events.append((event["type"], event["object"].metadata.labels.get("touched")))
            w.stop()
        self.assertEqual(events, [("MODIFIED", "yes")])

    def test_viewer_is_refused_writes(self):
        viewer_config = client.Configuration()
        config.load_kube_config(self.kubeconfig, context="sim-viewer", client_configuration=viewer_config)
        with client.ApiClient(viewer_config) as viewer_client:
            viewer = client.CoreV1Api(viewer_client)
            # Reading works.
            self.assertTrue(viewer.list_namespaced_pod(NAMESPACE).items)
            with self.assertRaises(ApiException) as refused:
                viewer.create_namespaced_pod(NAMESPACE, probe_pod("viewer-probe"))
            self.assertEqual(refused.exception.status, 403)
            status = json.loads(refused.exception.body)
            self.assertEqual((status["kind"], status["reason"], status["code"]), ("Status", "Forbidden", 403))
            self.assertIn('User "sim-viewer" cannot create resource "pods"', status["message"])
            with self.assertRaises(ApiException) as secrets:
                viewer.list_namespaced_secret(NAMESPACE)
            self.assertEqual(secrets.exception.status, 403)
        with self.assertRaises(ApiException) as missing:
            self.v1.read_namespaced_pod("viewer-probe", NAMESPACE)
        self.assertEqual(missing.exception.status, 404)

    def test_apps_v1_deployments(self):
        deployments = self.apps.list_namespaced_deployment(NAMESPACE)
        by_name = {d.metadata.name: d for d in deployments.items}
        self.assertEqual(sorted(n for n in by_name if n in ("web", "api")), ["api", "web"])
        web = by_name["web"]
        self.assertEqual(web.spec.selector.match_labels, {"app": "web"})
        self.assertEqual(web.spec.strategy.rolling_update.max_surge, 1)
        self.assertTrue(wait_until(lambda: (self.apps.read_namespaced_deployment("web", NAMESPACE).status.ready_replicas or 0) == 2))
        replica_sets = self.apps.list_namespaced_replica_set(NAMESPACE, label_selector="app=web").items
        self.assertEqual(len(replica_sets), 1)
        self.assertEqual(replica_sets[0].metadata.owner_references[0].name, "web")

    def test_batch_v1_cronjob_job_and_apps_v1_statefulset(self):
        """The typed models of the workload kinds read what the sim's controllers write."""
        batch = client.BatchV1Api(self.api_client)
        labels = {"app": "py-sts"}
        template = client.V1PodTemplateSpec(
            metadata=client.V1ObjectMeta(labels=labels),
            spec=client.V1PodSpec(containers=[client.V1Container(name="main", image="busybox:1.36")]))
        self.apps.create_namespaced_stateful_set(NAMESPACE, client.V1StatefulSet(
            metadata=client.V1ObjectMeta(name="py-sts"),
            spec=client.V1StatefulSetSpec(replicas=2, service_name="py-sts", template=template,
                                          selector=client.V1LabelSelector(match_labels=labels))))
        ready = wait_until(lambda: (self.apps.read_namespaced_stateful_set_status("py-sts", NAMESPACE).status.ready_replicas or 0) == 2)
        self.assertTrue(ready)
        sts = self.apps.read_namespaced_stateful_set("py-sts", NAMESPACE)
        self.assertEqual(sts.spec.update_strategy.rolling_update.partition, 0)
        self.assertEqual(sts.status.current_revision, sts.status.update_revision)
        scale = self.apps.read_namespaced_stateful_set_scale("py-sts", NAMESPACE)
        self.assertEqual(scale.spec.replicas, 2)
        revisions = self.apps.list_namespaced_controller_revision(NAMESPACE, label_selector="app=py-sts").items
        self.assertEqual([r.revision for r in revisions], [1])

        job_template = client.V1PodTemplateSpec(
            metadata=client.V1ObjectMeta(annotations={"pilothouse.dev/run-seconds": "0.2"}),
            spec=client.V1PodSpec(restart_policy="Never", containers=[client.V1Container(name="main", image="busybox:1.36")]))
        batch.create_namespaced_cron_job(NAMESPACE, client.V1CronJob(
            metadata=client.V1ObjectMeta(name="py-cron"),
            spec=client.V1CronJobSpec(schedule="@hourly", job_template=client.V1JobTemplateSpec(
                spec=client.V1JobSpec(template=job_template)))))
        cron = batch.read_namespaced_cron_job("py-cron", NAMESPACE)
        self.assertEqual((cron.spec.concurrency_policy, cron.spec.suspend, cron.spec.successful_jobs_history_limit), ("Allow", False, 3))
        # What `kubectl create job --from=cronjob/py-cron` sends: the template, owned by the CronJob.
        batch.create_namespaced_job(NAMESPACE, client.V1Job(
            metadata=client.V1ObjectMeta(name="py-manual", annotations={"cronjob.kubernetes.io/instantiate": "manual"},
                                         owner_references=[client.V1OwnerReference(api_version="batch/v1", kind="CronJob", name="py-cron",
                                                                                   uid=cron.metadata.uid, controller=True)]),
            spec=cron.spec.job_template.spec))
        done = wait_until(lambda: (batch.read_namespaced_job_status("py-manual", NAMESPACE).status.succeeded or 0) == 1)
        self.assertTrue(done)
        job = batch.read_namespaced_job("py-manual", NAMESPACE)
        self.assertEqual([c.type for c in job.status.conditions if c.status == "True"], ["Complete"])
        self.assertIsNotNone(job.status.completion_time)
        self.assertEqual(job.spec.selector.match_labels, {"batch.kubernetes.io/controller-uid": job.metadata.uid})
        pods = self.v1.list_namespaced_pod(NAMESPACE, label_selector="job-name=py-manual").items
        self.assertEqual([p.status.phase for p in pods], ["Succeeded"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
