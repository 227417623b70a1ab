<%@ include file="header.jsp" %>
<%@ taglib uri="/WEB-INF/struts-html.tld" prefix="html" %>
<h2>Staff &amp; guest login</h2>
<html:errors/>
<form action="login.do" method="post">
  <input type="hidden" name="returnUrl" value="<%= request.getParameter("returnUrl") %>">
  <table>
    <tr><td>User name</td><td><input type="text" name="username"></td></tr>
    <tr><td>Password</td><td><input type="password" name="password"></td></tr>
    <tr><td colspan="2"><input type="checkbox" name="rememberMe" value="true"> Remember me for 30 days</td></tr>
  </table>
  <input type="submit" value="Login">
</form>
<%@ include file="footer.jsp" %>
