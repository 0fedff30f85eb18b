# >>> halton-meter >>>
# Added by halton-meter init --apps; halton-meter uninstall removes this block.
set -gx HTTPS_PROXY 'http://127.0.0.1:8081'
set -gx https_proxy 'http://127.0.0.1:8081'
set -gx HTTP_PROXY 'http://127.0.0.1:8081'
set -gx http_proxy 'http://127.0.0.1:8081'
set -gx NO_PROXY 'localhost,127.0.0.1,::1'
set -gx no_proxy 'localhost,127.0.0.1,::1'
set -gx NODE_EXTRA_CA_CERTS '/home/ada/.halton-meter/ca/halton-meter-ca.pem'
set -gx NODE_USE_ENV_PROXY '1'
set -gx SSL_CERT_FILE '/home/ada/.halton-meter/ca/ca-bundle.pem'
set -gx REQUESTS_CA_BUNDLE '/home/ada/.halton-meter/ca/ca-bundle.pem'
set -gx CURL_CA_BUNDLE '/home/ada/.halton-meter/ca/ca-bundle.pem'
set -gx GIT_SSL_CAINFO '/home/ada/.halton-meter/ca/ca-bundle.pem'
set -gx AWS_CA_BUNDLE '/home/ada/.halton-meter/ca/ca-bundle.pem'
set -gx CARGO_HTTP_CAINFO '/home/ada/.halton-meter/ca/ca-bundle.pem'
set -gx DENO_CERT '/home/ada/.halton-meter/ca/ca-bundle.pem'
if not string match -q -- '* --require /home/ada/.halton-meter/node/proxy-preload.cjs *' " $NODE_OPTIONS "
    set -gx NODE_OPTIONS (string join -- ' ' $NODE_OPTIONS '--require /home/ada/.halton-meter/node/proxy-preload.cjs')
end
# <<< halton-meter <<<
