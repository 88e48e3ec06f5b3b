local ok, err = upstream:set_keepalive()
if not ok then
ngx.log(ngx.ERR, "failed to set keepalive: ", err)
-- BUG: falls through, socket leaked
end
