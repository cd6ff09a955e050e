/*
 * evalbridge: send incident changes to the bridge (SPEC section 7).
 *
 * Business Rule on table Incident [incident]
 *   When: async   Insert: yes   Update: yes   Order: 1000
 *   Filter condition: Correlation ID  starts with  evalbridge:
 *   Advanced: yes; paste this script.
 *
 * Signs timestamp + "." + body with HMAC-SHA256 under the shared secret and POSTs the body to
 * the bridge with
 *   X-Evalbridge-Timestamp: <Unix seconds>
 *   X-Evalbridge-Signature: sha256=<lower-case hex>
 *
 * System properties (sys_properties; see deploy/servicenow/README.md):
 *   evalbridge.webhook.endpoints      JSON: {"<Genesys orgId>": "https://bridge-a/webhooks/servicenow",
 *                                            "*": "https://bridge/webhooks/servicenow"}
 *                                     (one bridge replica per set of orgs; "*" = every other org)
 *   evalbridge.webhook.credential_id  sys_id of a Basic Auth Credential whose password is the secret
 *   evalbridge.integration_user       user name the bridge uses for the Table API (default
 *                                     svc_evalbridge): its own changes are not sent back
 *   evalbridge.webhook.mid_server     optional MID Server name, when the bridge is only reachable
 *                                     from inside the network
 */
(function executeRule(current, previous /* null when async */) {
    var LOG_SOURCE = 'evalbridge.webhook';

    // The bridge already knows what it wrote itself (it records ServiceNow's answer), so its
    // own inserts and updates are not echoed back.
    var integrationUser = gs.getProperty('evalbridge.integration_user', 'svc_evalbridge');
    if (current.getValue('sys_updated_by') == integrationUser) return;

    var correlationId = current.getValue('correlation_id') || '';
    if (correlationId.indexOf('evalbridge:') !== 0) return;
    var orgId = correlationId.split(':')[1];

    var endpoints = {};
    try {
        endpoints = JSON.parse(gs.getProperty('evalbridge.webhook.endpoints', '{}'));
    } catch (e) {
        gs.error('evalbridge.webhook.endpoints is not valid JSON: ' + e, LOG_SOURCE);
        return;
    }
    var endpoint = endpoints[orgId] || endpoints['*'];
    if (!endpoint) return;  // an org no bridge replica serves

    var secret = webhookSecret();
    if (!secret) {
        gs.error('evalbridge: no webhook secret (check evalbridge.webhook.credential_id)', LOG_SOURCE);
        return;
    }

    // Internal values: sys_updated_on in UTC "YYYY-MM-DD HH:MM:SS", state as its number.
    var body = JSON.stringify({
        sys_id: current.getUniqueValue(),
        number: current.getValue('number'),
        state: current.getValue('state'),
        correlation_id: correlationId,
        sys_updated_on: current.getValue('sys_updated_on'),
        sys_mod_count: current.getValue('sys_mod_count'),
        assignment_group: current.getValue('assignment_group') || '',
        close_code: current.getValue('close_code') || '',
        close_notes: current.getValue('close_notes') || ''
    });
    var timestamp = String(Math.floor(new GlideDateTime().getNumericValue() / 1000));

    // generateMac takes the key base64-encoded and answers base64; the bridge wants hex.
    var mac = new GlideCertificateEncryption().generateMac(
        GlideStringUtil.base64Encode(secret), 'HmacSHA256', timestamp + '.' + body);
    var signature = 'sha256=' + base64ToHex(mac);

    var request = new sn_ws.RESTMessageV2();
    request.setEndpoint(endpoint);
    request.setHttpMethod('post');
    request.setRequestHeader('Content-Type', 'application/json');
    request.setRequestHeader('Accept', 'application/json');
    request.setRequestHeader('X-Evalbridge-Timestamp', timestamp);
    request.setRequestHeader('X-Evalbridge-Signature', signature);
    request.setRequestHeader('X-Request-Id', gs.generateGUID());
    request.setHttpTimeout(10000);
    var midServer = gs.getProperty('evalbridge.webhook.mid_server', '');
    if (midServer) request.setMIDServer(midServer);
    request.setRequestBody(body);

    try {
        var response = request.execute();
        var status = response.getStatusCode();
        // 200 applied or already known, 202 not this replica's incident, 409 older than what the
        // bridge has: all fine. Anything else is logged; the bridge's polling catches up.
        if (status != 200 && status != 202 && status != 409) {
            gs.warn('evalbridge webhook for ' + current.getValue('number') + ' answered ' + status + ': ' +
                    response.getBody(), LOG_SOURCE);
        }
    } catch (ex) {
        gs.warn('evalbridge webhook for ' + current.getValue('number') + ' failed: ' + ex, LOG_SOURCE);
    }

    function webhookSecret() {
        var credentialId = gs.getProperty('evalbridge.webhook.credential_id', '');
        if (!credentialId) return '';
        var credential = new sn_cc.StandardCredentialsProvider().getCredentialByID(credentialId);
        return credential ? credential.getAttribute('password') : '';
    }

    // Base64 (standard alphabet, with padding) to lower-case hex, in plain JavaScript so it works
    // in any scope.
    function base64ToHex(text) {
        var alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
        var clean = String(text).replace(/[^A-Za-z0-9+\/]/g, '');
        var hex = '';
        var buffer = 0;
        var bits = 0;
        for (var i = 0; i < clean.length; i++) {
            buffer = (buffer << 6) | alphabet.indexOf(clean.charAt(i));
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                var value = (buffer >> bits) & 0xff;
                hex += (value < 16 ? '0' : '') + value.toString(16);
            }
        }
        return hex;
    }
})(current, previous);
