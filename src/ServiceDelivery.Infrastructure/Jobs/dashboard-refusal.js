// The service refuses some dashboard commands (deleting the recurring jobs it depends on). Hangfire's own script
// ignores a failed command and leaves its button "loading": say why and show the list as it is.
(function ($) {
    $(document).ajaxError(function (event, xhr) {
        var type = xhr.getResponseHeader('Content-Type') || '';
        if (xhr.status === 403 && type.indexOf('text/plain') === 0 && xhr.responseText) {
            window.alert(xhr.responseText);
            window.location.reload();
        }
    });
})(jQuery);
