<%@ include file="header.jsp" %>
<%@ page import="com.grandhotel.model.Booking" %>
<%@ page import="com.grandhotel.service.BookingService" %>
<%
    String code = request.getParameter("code");
    Booking b = null;
    if (code != null) {
        b = new BookingService().find(code);
    }
%>
<h2>Your reservation</h2>
<form action="mybooking.jsp" method="get">
  Confirmation code: <input type="text" name="code"> <input type="submit" value="Show">
</form>
<% if (b != null) { %>
<table border="1" cellpadding="4">
  <tr><td>Guest</td><td><%= b.getGuest().getFullName() %></td></tr>
  <tr><td>Stay</td><td><%= b.getStayLabel() %></td></tr>
  <tr><td>Status</td><td><%= b.getStatus() %></td></tr>
  <tr><td>Special requests</td><td><%= b.getSpecialRequests() %></td></tr>
</table>
<form action="cancel.do" method="post">
  <input type="hidden" name="code" value="<%= b.getConfirmationCode() %>">
  <input type="submit" value="Cancel reservation">
</form>
<% } else if (code != null) { %>
<p class="error">No reservation found.</p>
<% } %>
<%@ include file="footer.jsp" %>
