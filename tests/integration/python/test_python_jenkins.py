"""Integration test: Debian's python3-jenkins (1.4) against pilothouse-sim's Jenkins, unchanged."""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

try:
    import jenkins
except ImportError as error:  # ctest maps exit code 77 to "skipped" (SKIP_RETURN_CODE)
    print(f"skipping: python3-jenkins is not importable: {error}")
    sys.exit(77)


def wait_until(condition, timeout=60.0, interval=0.1):
    """Polls condition() until it is truthy; a simulated build moves in steps of a few hundred ms."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


class PythonJenkinsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        sim = os.environ.get("PILOTHOUSE_SIM", "pilothouse-sim")
        source = os.environ.get("PILOTHOUSE_SOURCE_DIR", os.getcwd())
        cls.tmp = tempfile.mkdtemp(prefix="pilothouse-pyjenkins-")
        kubeconfig = os.path.join(cls.tmp, "kubeconfig")
        cls.log = open(os.path.join(cls.tmp, "sim.log"), "w+")
        cls.sim = subprocess.Popen(
            [sim, "--port", "0", "--kubeconfig-out", kubeconfig, "--time-scale", "10",
             "--scenario", os.path.join(source, "tests", "data", "scenarios", "small.yaml")],
            stdout=cls.log, stderr=subprocess.STDOUT)
        # jenkins.json is written beside the kubeconfig, before it.
        if not wait_until(lambda: os.path.exists(kubeconfig) or cls.sim.poll() is not None):
            cls.tearDownClass()
            raise RuntimeError("pilothouse-sim did not write its kubeconfig in time")
        if cls.sim.poll() is not None:
            cls.log.seek(0)
            output = cls.log.read()
            cls.tearDownClass()
            raise RuntimeError(f"pilothouse-sim exited with {cls.sim.returncode}:\n{output}")
        with open(os.path.join(cls.tmp, "jenkins.json")) as f:
            cls.connection = json.load(f)
        ca = os.path.join(cls.tmp, "ca.pem")
        with open(ca, "wb") as f:
            f.write(base64.b64decode(cls.connection["certificateAuthorityData"]))
        # How requests (under python-jenkins) is told to trust a private CA.
        os.environ["REQUESTS_CA_BUNDLE"] = ca

    @classmethod
    def tearDownClass(cls):
        if cls.sim.poll() is None:
            cls.sim.terminate()
            try:
                cls.sim.wait(timeout=10)
            except subprocess.TimeoutExpired:
                cls.sim.kill()
                cls.sim.wait()
        cls.log.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def server(self, password=None):
        c = self.connection
        server = jenkins.Jenkins(c["url"], username=c["user"], password=password or c["apiToken"], timeout=30)
        self.addCleanup(server._session.close)  # its keep-alive connections
        return server

    def started_build(self, server, queue_id):
        """The build number a queue item became (get_queue_item until it has an executable)."""
        def number():
            item = server.get_queue_item(queue_id)
            executable = item.get("executable")
            return executable["number"] if executable else None
        return wait_until(number)

    def test_version_and_whoami(self):
        server = self.server()
        # As python-jenkins' README does it: get_whoami() first resolves the authentication.
        me = server.get_whoami()
        self.assertEqual(me["id"], "admin")
        self.assertEqual(me["fullName"], "Pilothouse Admin")
        self.assertEqual(server.get_version(), "2.426.3")

    def test_wrong_token_is_refused(self):
        server = jenkins.Jenkins(self.connection["url"], username="admin", password="wrong", timeout=30)
        self.addCleanup(server._session.close)
        with self.assertRaises(jenkins.JenkinsException) as caught:
            server.get_whoami()
        self.assertIn("401", str(caught.exception))

    def test_get_jobs_in_nested_folders(self):
        server = self.server()
        top = {j["fullname"] for j in server.get_jobs()}
        self.assertEqual(top, {"shop", "cafe"})
        for per_request in (10, 1):  # 1: the folders past the first level are fetched one by one
            jobs = {j["fullname"]: j for j in server.get_jobs(folder_depth=None, folder_depth_per_request=per_request)}
            self.assertIn("shop/frontend-ci", jobs)
            self.assertIn("cafe/releases/deploy-orders", jobs)
            self.assertIn("shop/storefront/feature%2Fcheckout", jobs)
            self.assertEqual(jobs["shop/paymentservice-ci"]["color"], "red")
            self.assertEqual(jobs["cafe/releases"]["_class"], "com.cloudbees.hudson.plugins.folder.Folder")
            self.assertEqual(jobs["shop/storefront"]["_class"],
                             "org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject")

    def test_get_job_info(self):
        server = self.server()
        info = server.get_job_info("shop/frontend-ci")
        self.assertEqual(info["_class"], "org.jenkinsci.plugins.workflow.job.WorkflowJob")
        self.assertEqual(info["fullName"], "shop/frontend-ci")
        self.assertGreaterEqual(len(info["builds"]), 5)
        definitions = [p for p in info["property"] if p["_class"] == "hudson.model.ParametersDefinitionProperty"]
        self.assertEqual([d["name"] for d in definitions[0]["parameterDefinitions"]], ["GIT_REF", "SKIP_SONAR", "BUILD_PROFILE"])
        branch = server.get_job_info("shop/storefront/feature%2Fcheckout")
        self.assertEqual(branch["displayName"], "feature/checkout")

    def test_build_with_parameters_to_the_console(self):
        server = self.server()
        queue_id = server.build_job("shop/cartservice-ci", {"GIT_REF": "python-1", "SKIP_SONAR": True})
        self.assertGreater(queue_id, 0)
        number = self.started_build(server, queue_id)
        self.assertIsNotNone(number)
        info = server.get_build_info("shop/cartservice-ci", number)
        parameters = {p["name"]: p.get("value") for a in info["actions"] if a.get("_class") == "hudson.model.ParametersAction"
                      for p in a["parameters"]}
        self.assertEqual(parameters["GIT_REF"], "python-1")
        self.assertIs(parameters["SKIP_SONAR"], True)
        self.assertTrue(wait_until(lambda: not server.get_build_info("shop/cartservice-ci", number)["building"]))
        info = server.get_build_info("shop/cartservice-ci", number)
        self.assertEqual(info["result"], "SUCCESS")
        console = server.get_build_console_output("shop/cartservice-ci", number)
        self.assertIn('Stage "SonarQube analysis" skipped due to when conditional', console)
        self.assertIn("docker push registry.pilothouse.local/shop/cartservice:", console)
        self.assertTrue(console.endswith("Finished: SUCCESS\n"), console[-200:])

    def test_stop_build(self):
        server = self.server()
        number = self.started_build(server, server.build_job("shop/emailservice-ci", {"GIT_REF": "python-stop"}))
        self.assertIsNotNone(number)
        server.stop_build("shop/emailservice-ci", number)  # follows the 302 to the build's page
        info = server.get_build_info("shop/emailservice-ci", number)
        self.assertFalse(info["building"])
        self.assertEqual(info["result"], "ABORTED")
        self.assertTrue(server.get_build_console_output("shop/emailservice-ci", number).endswith("Finished: ABORTED\n"))

    def test_password_session_sends_the_crumb(self):
        server = self.server(password=self.connection["password"])
        queue_id = server.build_job("shop/adservice-ci", {"GIT_REF": "python-crumb", "delay": "600sec"})
        item = server.get_queue_item(queue_id)
        self.assertEqual(item["task"]["name"], "adservice-ci")
        self.assertIsNone(item.get("executable"))
        self.assertTrue(server.crumb and server.crumb["crumbRequestField"] == "Jenkins-Crumb")


if __name__ == "__main__":
    unittest.main(verbosity=2)
