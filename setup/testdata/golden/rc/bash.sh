# >>> halton-meter >>>
# Added by halton-meter init --apps; halton-meter uninstall removes this block.
export HTTPS_PROXY='http://127.0.0.1:8081'
export https_proxy='http://127.0.0.1:8081'
export HTTP_PROXY='http://127.0.0.1:8081'
export http_proxy='http://127.0.0.1:8081'
export NO_PROXY='localhost,127.0.0.1,::1'
export no_proxy='localhost,127.0.0.1,::1'
export NODE_EXTRA_CA_CERTS='/home/ada/.halton-meter/ca/halton-meter-ca.pem'
export NODE_USE_ENV_PROXY='1'
export SSL_CERT_FILE='/home/ada/.halton-meter/ca/ca-bundle.pem'
export REQUESTS_CA_BUNDLE='/home/ada/.halton-meter/ca/ca-bundle.pem'
export CURL_CA_BUNDLE='/home/ada/.halton-meter/ca/ca-bundle.pem'
export GIT_SSL_CAINFO='/home/ada/.halton-meter/ca/ca-bundle.pem'
export AWS_CA_BUNDLE='/home/ada/.halton-meter/ca/ca-bundle.pem'
export CARGO_HTTP_CAINFO='/home/ada/.halton-meter/ca/ca-bundle.pem'
export DENO_CERT='/home/ada/.halton-meter/ca/ca-bundle.pem'
case " ${NODE_OPTIONS-} " in
  *' --require /home/ada/.halton-meter/node/proxy-preload.cjs '*) ;;
  *) export NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }"'--require /home/ada/.halton-meter/node/proxy-preload.cjs' ;;
esac
# <<< halton-meter <<<
