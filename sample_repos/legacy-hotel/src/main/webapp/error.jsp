<%@ page isErrorPage="true" %>
<%@ include file="header.jsp" %>
<h2>Sorry, something went wrong.</h2>
<p>Please call the front desk at +49 30 1234567.</p>
<pre class="debug">
<%
    if (exception != null) {
        exception.printStackTrace(new java.io.PrintWriter(out));
    }
%>
</pre>
<%@ include file="footer.jsp" %>
